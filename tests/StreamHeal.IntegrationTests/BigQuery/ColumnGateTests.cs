using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StreamHeal.Dev.BigQuery;
using StreamHeal.Flow;
using StreamHeal.Sink.BigQuery;
using StreamHeal.TestSupport;
using Xunit;
using FakeProtos = StreamHeal.Dev.BigQuery.Protos;

namespace StreamHeal.IntegrationTests.BigQuery;

/// <summary>A table's gate for new columns, against the fake's propagation delay.</summary>
public sealed class ColumnGateTests
{
    private const string Topic = "orders";
    private static readonly TimeSpan Propagation = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly FakeProtos.TableFieldSchema Color = new() { Name = "color", Type = FakeProtos.TableFieldSchema.Types.Type.String, Mode = FakeProtos.TableFieldSchema.Types.Mode.Nullable };

    // Two batches of the table written at once both found the column missing: the table is held, and counted, once.
    [Fact]
    public async Task Two_batches_waiting_for_the_same_column_hold_the_table_once_until_it_is_visible()
    {
        var clock = new FakeTimeProvider();
        await using var scope = await FakeWriteScope.StartAsync(new FakeBigQueryOptions { TimeProvider = clock, SchemaPropagationDelay = Propagation });
        var stats = new BigQuerySinkStats();
        var holds = new TopicHolds();
        var options = new BigQuerySinkOptions { SchemaPollInterval = TimeSpan.FromSeconds(1) };
        var gate = new ColumnGate("orders", scope.Table, options, scope.Client, holds, stats, clock, NullLogger.Instance, static () => []);
        Assert.Equal(0, stats.HeldTables);
        Assert.False(holds.IsHeld(Topic));

        scope.Fake.AddColumns(scope.Table, Color);
        var first = gate.WaitForColumnsAsync(Topic, ["color"], CancellationToken.None);
        var second = gate.WaitForColumnsAsync(Topic, ["color"], CancellationToken.None);

        Assert.Equal(1, stats.HeldTables);
        Assert.True(holds.IsHeld(Topic));
        Assert.False(first.IsCompleted || second.IsCompleted);

        // Past the propagation delay the next poll of each waiter sees the column.
        await Eventually.Until(
            () =>
            {
                clock.Advance(TimeSpan.FromSeconds(1));
                return first.IsCompleted && second.IsCompleted;
            },
            Timeout,
            "both waiters saw the column");
        await Task.WhenAll(first, second);

        Assert.Equal(0, stats.HeldTables);
        Assert.False(holds.IsHeld(Topic));
    }
}
