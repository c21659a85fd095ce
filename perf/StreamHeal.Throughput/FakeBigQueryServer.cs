using System.Globalization;
using StreamHeal.Dev.BigQuery;

namespace StreamHeal.Throughput;

/// <summary>
/// The child side of <see cref="FakeBigQueryProcess"/>: this harness re-invoked with <see cref="Switch"/> serves the
/// in-process BigQuery fake of the host assembly, so the fake's gRPC server, row decoding and row store cost the
/// measured process nothing. It prints one line, <c>write=URI rest=URI project=P dataset=D</c>, then answers commands
/// on standard input, one per line, until standard input closes:
/// <c>counts TABLE_PATH FILE</c> writes every (partition, offset, rows) of the table to FILE as little-endian
/// int32/int64/int32 triples and answers <c>counts ENTRIES ROWS</c>; <c>appends</c> answers <c>appends REQUESTS ROWS BYTES</c>,
/// the AppendRows requests received so far.
/// </summary>
internal static class FakeBigQueryServer
{
    public const string Switch = "--serve-fake-bigquery";

    /// <param name="networkDelay">Held before each append's answer (<see cref="FakeBigQueryOptions.NetworkDelay"/>).</param>
    public static async Task<int> RunAsync(TimeSpan networkDelay, TextReader input, TextWriter output)
    {
        // The harness reads back only where each row landed: values kept for millions of rows made this process's heap
        // gigabytes, and its collections took the cores the measured pipeline shares with it.
        await using var fake = await FakeBigQuery.StartAsync(new FakeBigQueryOptions { KeepRowValues = false, NetworkDelay = networkDelay });
        await output.WriteLineAsync($"write={fake.WriteEndpoint} rest={fake.RestEndpoint} project={fake.Options.ProjectId} dataset={fake.Options.Dataset}");
        await output.FlushAsync();
        while (await input.ReadLineAsync() is { } line)
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words is ["counts", var table, var file])
            {
                var (entries, rows) = WriteCounts(fake.Store.CountsByPartitionOffset(table), file);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"counts {entries} {rows}"));
            }
            else if (words is ["appends"])
            {
                var appends = fake.Appends.Appends;
                var (appendRows, bytes) = (0L, 0L);
                foreach (var append in appends)
                {
                    appendRows += append.RowCount;
                    bytes += append.Bytes;
                }

                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"appends {appends.Count} {appendRows} {bytes}"));
            }
            else
            {
                await output.WriteLineAsync($"error: unknown command '{line}'");
            }

            await output.FlushAsync();
        }

        return 0;
    }

    private static (long Entries, long Rows) WriteCounts(IReadOnlyDictionary<(long Partition, long Offset), int> counts, string file)
    {
        using var writer = new BinaryWriter(File.Create(file));
        var rows = 0L;
        foreach (var ((partition, offset), count) in counts)
        {
            writer.Write((int)partition);
            writer.Write(offset);
            writer.Write(count);
            rows += count;
        }

        return (counts.Count, rows);
    }
}
