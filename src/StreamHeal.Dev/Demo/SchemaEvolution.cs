using StreamHeal.Records;
using StreamHeal.Tables;

namespace StreamHeal.Dev.Demo;

/// <summary>How the table's schema evolved during the demo.</summary>
/// <param name="ColumnsAdded">User columns the table has now (it starts empty), read from the destination's table.</param>
/// <param name="CollisionsQuarantined">Fields quarantined as case collisions, in one event or with the table.</param>
/// <param name="FlipsQuarantined">Fields quarantined because their column has another type.</param>
public sealed record SchemaEvolution(int ColumnsAdded, long CollisionsQuarantined, long FlipsQuarantined)
{
    public static SchemaEvolution From(IEnumerable<(string Name, string Type)> tableColumns, IEnumerable<(string Table, string Field, string Reason, long Count)> quarantined)
    {
        var collisions = 0L;
        var flips = 0L;
        foreach (var (_, _, reason, count) in quarantined)
        {
            switch (reason)
            {
                case QuarantineReasons.CaseCollisionInEvent or QuarantineReasons.CaseCollisionWithTable:
                    collisions += count;
                    break;
                case QuarantineReasons.TypeFlip:
                    flips += count;
                    break;
            }
        }

        return new SchemaEvolution(tableColumns.Count(static c => !IsSinkColumn(c.Name)), collisions, flips);
    }

    private static bool IsSinkColumn(string name) =>
        name.StartsWith("_kafka_", StringComparison.Ordinal) || name is ReservedColumns.IngestedAt or ReservedColumns.Quarantine;
}
