using Microsoft.Extensions.Time.Testing;
using StreamHeal.Alerting;
using StreamHeal.CompatFilter;
using StreamHeal.Pipeline;
using StreamHeal.Records;
using StreamHeal.Telemetry;
using Xunit;

namespace StreamHeal.Tests.Alerting;

public sealed class PipelineIncidentsTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero));
    private readonly List<Incident> _raised = [];

    private PipelineIncidents Create(AlertOptions? options = null) =>
        new(i => { _raised.Add(i); return true; }, options ?? new AlertOptions { OutageAfter = TimeSpan.FromSeconds(30) }, _clock, ["events"]);

    private static PipelineStatus Status(long lag = 0, long deadLettered = 0, long offsetResets = 0, string? failure = null) =>
        new(0, 0, deadLettered, 0, 0, 0, lag, 1, false, 0, 0, offsetResets, true, failure);

    [Fact]
    public void A_healthy_pipeline_raises_nothing()
    {
        var incidents = Create();
        for (var i = 0; i < 120; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            incidents.Check(Status(lag: 10, deadLettered: i), new QuarantineCounts(), registryDegraded: false);
        }

        Assert.Empty(_raised);
    }

    [Fact]
    public void A_sink_outage_is_raised_after_outage_after_then_resolved_with_a_recovery()
    {
        var incidents = Create();
        for (var i = 0; i < 40; i++)
        {
            incidents.SinkRetry("duckdb", "connection refused");
            incidents.Check(Status(), null, false);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        var raised = _raised.Where(static i => i.Kind == IncidentCatalog.SinkUnavailable).ToList();
        Assert.Equal(10, raised.Count); // from second 30 to 39
        Assert.All(raised, static i => Assert.Equal("sink_unavailable:duckdb", i.Key));
        Assert.All(raised, static i => Assert.False(i.IsResolution));
        Assert.Contains("connection refused", raised[0].Description, StringComparison.Ordinal);
        _raised.Clear();

        _clock.Advance(PipelineIncidents.ClearAfter);
        incidents.Check(Status(), null, false);

        Assert.Collection(
            _raised,
            static resolved => { Assert.Equal(IncidentCatalog.SinkUnavailable, resolved.Kind); Assert.True(resolved.IsResolution); },
            static recovered => { Assert.Equal(IncidentCatalog.Recovered, recovered.Kind); Assert.Equal(AlertSeverity.Low, recovered.Severity); });
        _raised.Clear();
        incidents.Check(Status(), null, false);
        Assert.Empty(_raised);
    }

    /// <summary>
    /// Regression: with failures a backoff apart (up to retry.maxDelay, 30 s) the outage read as over between two of
    /// them, so a sink down for good was never raised.
    /// </summary>
    [Fact]
    public void A_sink_whose_failures_are_a_long_backoff_apart_is_down_while_its_batch_is_still_retried()
    {
        var incidents = Create();
        var retrying = Status() with { Retrying = [Dependency.Sink] };
        for (var i = 0; i < 55; i++)
        {
            if (i % 25 == 0)
            {
                incidents.SinkRetry("duckdb", "connection refused");
            }

            incidents.Check(retrying, null, false);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        var raised = _raised.Where(static i => i.Kind == IncidentCatalog.SinkUnavailable).ToList();
        Assert.Equal(25, raised.Count); // from second 30 to 54, never resolved in between
        Assert.All(raised, static i => Assert.False(i.IsResolution));
        _raised.Clear();

        // The batch went through: the outage clears once the last failure is ClearAfter old.
        incidents.Check(Status(), null, false);
        Assert.DoesNotContain(_raised, static i => i.IsResolution);
        _clock.Advance(PipelineIncidents.ClearAfter);
        incidents.Check(Status(), null, false);
        Assert.Contains(_raised, static i => i is { Kind: IncidentCatalog.SinkUnavailable, IsResolution: true });
    }

    [Fact]
    public void A_short_sink_blip_raises_nothing()
    {
        var incidents = Create();
        incidents.SinkRetry("duckdb", "blip");
        for (var i = 0; i < 60; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            incidents.Check(Status(), null, false);
        }

        Assert.Empty(_raised);
    }

    [Fact]
    public void Lag_is_judged_per_topic_and_a_topic_that_falls_back_or_leaves_recovers()
    {
        var incidents = Create();
        incidents.CheckLag(new Dictionary<string, long> { ["orders"] = 5_001, ["clicks"] = 4_000 });
        _clock.Advance(TimeSpan.FromSeconds(10));
        incidents.CheckLag(new Dictionary<string, long> { ["orders"] = 100, ["clicks"] = 20_000 });
        _clock.Advance(TimeSpan.FromSeconds(10));
        incidents.CheckLag(new Dictionary<string, long>());

        Assert.Single(_raised, static i => i is { Key: "lag_high:orders", Severity: AlertSeverity.High, IsResolution: false });
        Assert.Single(_raised, static i => i is { Key: "lag_high:clicks", Severity: AlertSeverity.Critical, IsResolution: false });
        Assert.Equal("orders", _raised.First(static i => i.Key == "lag_high:orders").Labels["topic"]);
        Assert.Single(_raised, static i => i is { Key: "recovered:lag_high:orders" });
        Assert.Single(_raised, static i => i is { Key: "recovered:lag_high:clicks" });
        Assert.Equal(2, _raised.Count(static i => i is { Kind: IncidentCatalog.LagHigh, IsResolution: true }));
    }

    [Fact]
    public void Lag_dead_letters_offset_resets_registry_and_quarantine_become_incidents()
    {
        var incidents = Create();
        var quarantine = new QuarantineCounts();
        quarantine.Increment("events", "price", QuarantineReasons.TypeFlip);
        quarantine.Increment("events", "UserId", QuarantineReasons.CaseCollisionInEvent);
        incidents.TypeFlip("events", "price", "FLOAT64", "STRING", 2, 40, "\"free\"");
        _clock.Advance(TimeSpan.FromSeconds(1));
        incidents.Check(Status(lag: 6_000, deadLettered: 0, offsetResets: 1), quarantine, registryDegraded: true);
        incidents.CheckLag(new Dictionary<string, long> { ["events"] = 6_000 });
        _clock.Advance(TimeSpan.FromSeconds(1));
        incidents.Check(Status(lag: 12_000, deadLettered: 500, offsetResets: 1, failure: "column type conflict"), quarantine, registryDegraded: true);
        incidents.CheckLag(new Dictionary<string, long> { ["events"] = 12_000 });

        Assert.Contains(_raised, static i => i is { Kind: IncidentCatalog.LagHigh, Severity: AlertSeverity.High });
        Assert.Contains(_raised, static i => i is { Kind: IncidentCatalog.LagHigh, Severity: AlertSeverity.Critical, Key: "lag_high:events", IsResolution: false });
        // Escalating to critical resolves the alert raised as high, so Alertmanager does not keep both.
        Assert.Single(_raised, static i => i is { Kind: IncidentCatalog.LagHigh, Severity: AlertSeverity.High, IsResolution: true });
        Assert.Single(_raised, static i => i.Kind == IncidentCatalog.OffsetReset);
        Assert.Single(_raised, static i => i.Kind == IncidentCatalog.DeadLetterSurge);
        Assert.Contains(_raised, static i => i.Kind == IncidentCatalog.SchemaRegistryUnavailable);
        Assert.Single(_raised, static i => i.Kind == IncidentCatalog.TypeFlip);
        Assert.Single(_raised, static i => i.Kind == IncidentCatalog.CaseCollision);
        Assert.Single(_raised, static i => i is { Kind: IncidentCatalog.PipelineFailed, Description: "column type conflict" });
    }

    [Fact]
    public void A_column_added_is_raised_once_per_table_column_and_type()
    {
        var incidents = Create();
        incidents.ColumnAdded("events", "locale", "VARCHAR");
        incidents.ColumnAdded("events", "locale", "VARCHAR");
        incidents.ColumnAdded("orders", "locale", "VARCHAR");
        incidents.ColumnAdded("events", "score", "BIGINT");

        Assert.Equal(
            ["column_added:events:locale:VARCHAR", "column_added:orders:locale:VARCHAR", "column_added:events:score:BIGINT"],
            _raised.Select(static i => i.Key));
        Assert.All(_raised, static i => Assert.Equal((IncidentCatalog.ColumnAdded, AlertSeverity.Low), (i.Kind, i.Severity)));
        Assert.Equal("events", _raised[0].Labels["table"]);
        Assert.Contains("locale (VARCHAR)", _raised[0].Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_type_flip_is_raised_once_per_change_with_its_first_sample_truncated()
    {
        var incidents = Create();
        var longValue = "\"" + new string('x', 200) + "\"";
        incidents.TypeFlip("events", "price", "FLOAT64", "STRING", 3, 1_234, longValue);
        incidents.TypeFlip("events", "price", "FLOAT64", "STRING", 4, 99, "\"later\"");
        incidents.TypeFlip("events", "price", "FLOAT64", "BOOLEAN", 0, 7, "true");

        Assert.Equal(["type_flip:events:price:FLOAT64->STRING", "type_flip:events:price:FLOAT64->BOOLEAN"], _raised.Select(static i => i.Key));
        var first = _raised[0];
        Assert.Equal(AlertSeverity.Medium, first.Severity);
        Assert.Contains("FLOAT64 → STRING", first.Summary, StringComparison.Ordinal);
        Assert.EndsWith($"partition 3, offset 1234, value {longValue[..IncidentCatalog.MaxSampleValue]}…", first.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("later", string.Join(" ", _raised.Select(static i => i.Description)), StringComparison.Ordinal);
        Assert.EndsWith("partition 0, offset 7, value true", _raised[1].Description, StringComparison.Ordinal);
    }

    [Fact]
    public void A_type_flip_in_the_quarantine_counts_alone_raises_nothing_more()
    {
        // The counts know neither the types nor a sample: type flips are raised from the observer only.
        var incidents = Create();
        var quarantine = new QuarantineCounts();
        quarantine.Increment("events", "price", QuarantineReasons.TypeFlip);
        _clock.Advance(TimeSpan.FromSeconds(1));
        incidents.Check(Status(), quarantine, registryDegraded: false);

        Assert.Empty(_raised);
    }

    [Fact]
    public void A_dead_letter_surge_names_the_top_three_error_types_of_the_last_minute()
    {
        var incidents = Create(new AlertOptions { DeadLettersPerMinute = 100 });
        var byType = new Dictionary<string, long> { ["decode_error"] = 1_000, ["schema_violation"] = 5 };
        incidents.Check(Status(deadLettered: 1_005), null, false, byType);
        Assert.Empty(_raised);

        _clock.Advance(TimeSpan.FromSeconds(30));
        byType = new Dictionary<string, long> { ["decode_error"] = 1_010, ["schema_violation"] = 125, ["too_large"] = 40, ["avro_unknown_schema"] = 60, ["row_error"] = 1 };
        incidents.Check(Status(deadLettered: 1_005 + 230), null, false, byType);

        var surge = Assert.Single(_raised);
        Assert.Equal(IncidentCatalog.DeadLetterSurge, surge.Kind);
        Assert.Contains("230 dead letters", surge.Summary, StringComparison.Ordinal);
        Assert.Equal("Top error types: schema_violation 120, avro_unknown_schema 60, too_large 40", surge.Description);
    }

    [Fact]
    public void Exactly_once_losses_are_raised_each_time_the_count_grows()
    {
        var incidents = Create();
        incidents.CheckGuaranteeLosses("bigquery", 0);
        incidents.CheckGuaranteeLosses("bigquery", 1);
        incidents.CheckGuaranteeLosses("bigquery", 1);
        incidents.CheckGuaranteeLosses("bigquery", 3);

        Assert.Equal(2, _raised.Count);
        Assert.All(_raised, static i => Assert.Equal(("exactly_once_lost:bigquery", AlertSeverity.Critical), (i.Key, i.Severity)));
        Assert.Contains("3 time(s)", _raised[1].Summary, StringComparison.Ordinal);
    }
}
