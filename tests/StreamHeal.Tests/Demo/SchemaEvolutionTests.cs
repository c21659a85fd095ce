using StreamHeal.Dev.Demo;
using Xunit;

namespace StreamHeal.Tests.Demo;

public sealed class SchemaEvolutionTests
{
    [Fact]
    public void Counts_user_columns_and_sums_collisions_and_flips_by_reason()
    {
        (string, string)[] columns =
        [
            ("_kafka_topic", "VARCHAR"), ("_kafka_partition", "INTEGER"), ("_kafka_offset", "BIGINT"), ("_kafka_timestamp", "TIMESTAMP WITH TIME ZONE"),
            ("_ingested_at", "TIMESTAMP WITH TIME ZONE"), ("_quarantine", "VARCHAR"), ("event", "VARCHAR"), ("session_seconds", "DOUBLE"),
        ];
        (string, string, string, long)[] quarantined =
        [
            ("events", "UserName", "case_collision_in_event", 3), ("events", "username", "case_collision_in_event", 3),
            ("events", "UserId", "case_collision_with_table", 5), ("events", "is_premium", "type_flip", 7), ("events", "x", "reserved_name", 11),
        ];

        var evolution = SchemaEvolution.From(columns, quarantined);

        Assert.Equal(new SchemaEvolution(2, 11, 7), evolution);
    }
}
