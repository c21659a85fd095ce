using System.Globalization;
using StreamHeal.Sink.BigQuery;

namespace StreamHeal.Throughput;

/// <summary>
/// The BigQuery sink settings a tuning run may change (<c>--bigquery-…</c>; the rest are the shipped defaults), and the
/// fake's network delay (<see cref="StreamHeal.Dev.BigQuery.FakeBigQueryOptions.NetworkDelay"/>), 0 by default.
/// </summary>
internal sealed record BigQueryRunSettings(int BatchesInFlightPerTable, int MaxRequestBytes, int FakeNetworkDelayMs = 0)
{
    public static BigQueryRunSettings Shipped { get; } = From(new BigQuerySinkOptions());

    public static BigQueryRunSettings From(BigQuerySinkOptions options) => new(options.BatchesInFlightPerTable, options.MaxRequestBytes);

    /// <summary>Applies these settings to <paramref name="options"/> and returns it.</summary>
    public BigQuerySinkOptions ApplyTo(BigQuerySinkOptions options)
    {
        options.BatchesInFlightPerTable = BatchesInFlightPerTable;
        options.MaxRequestBytes = MaxRequestBytes;
        return options;
    }

    /// <summary>The settings that differ from <see cref="Shipped"/>, e.g. <c>batchesInFlightPerTable 4</c>; empty for the shipped ones.</summary>
    public IReadOnlyList<string> Changed()
    {
        var changed = new List<string>(3);
        if (BatchesInFlightPerTable != Shipped.BatchesInFlightPerTable)
        {
            changed.Add(string.Create(CultureInfo.InvariantCulture, $"batchesInFlightPerTable {BatchesInFlightPerTable}"));
        }

        if (MaxRequestBytes != Shipped.MaxRequestBytes)
        {
            changed.Add(string.Create(CultureInfo.InvariantCulture, $"maxRequestBytes {MaxRequestBytes:N0}"));
        }

        if (FakeNetworkDelayMs != 0)
        {
            changed.Add(string.Create(CultureInfo.InvariantCulture, $"the fake's network delay {FakeNetworkDelayMs} ms"));
        }

        return changed;
    }

    /// <summary>The sink's settings as two fields of <see cref="FakeBigQueryProcess.Endpoints"/>.</summary>
    public IEnumerable<string> ToFields() =>
        [BatchesInFlightPerTable.ToString(CultureInfo.InvariantCulture), MaxRequestBytes.ToString(CultureInfo.InvariantCulture)];

    public static BigQueryRunSettings FromFields(string batchesInFlight, string maxRequestBytes) => new(
        int.Parse(batchesInFlight, NumberStyles.None, CultureInfo.InvariantCulture), int.Parse(maxRequestBytes, NumberStyles.None, CultureInfo.InvariantCulture));
}
