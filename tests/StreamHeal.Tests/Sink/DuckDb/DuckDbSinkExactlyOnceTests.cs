using StreamHeal.Records;
using StreamHeal.Sink;
using StreamHeal.Sink.DuckDb;
using StreamHeal.Tables;
using Xunit;
using static StreamHeal.Tests.Sink.DuckDb.DuckDbTestFile;

namespace StreamHeal.Tests.Sink.DuckDb;

public sealed class DuckDbSinkExactlyOnceTests : IDisposable
{
    private readonly DuckDbTestFile _file = new();

    [Fact]
    public async Task Replaying_a_batch_writes_nothing_and_reports_already_written()
    {
        var batch = MakeBatch("replay", [.. Rows(0, 0, 5), .. Rows(1, 100, 103)]);
        await using var sink = _file.OpenSink();
        await sink.WriteAsync(batch, CancellationToken.None);

        var replay = await sink.WriteAsync(batch, CancellationToken.None);

        Assert.All(Enumerable.Range(0, replay.Count), i => Assert.Equal(RowOutcome.AlreadyWritten, replay[i]));
        using var reader = _file.OpenReader();
        Assert.Equal(8, reader.CountRows("replay"));
        Assert.Equal(0, reader.CountDuplicates("replay"));
    }

    [Fact]
    public async Task A_partially_overlapping_replay_writes_only_the_new_rows()
    {
        await using var sink = _file.OpenSink();
        await sink.WriteAsync(MakeBatch("overlap", [.. Rows(0, 0, 10), .. Rows(1, 0, 4)]), CancellationToken.None);

        var result = await sink.WriteAsync(MakeBatch("overlap", [.. Rows(0, 5, 15), .. Rows(1, 2, 6), .. Rows(2, 0, 2)]), CancellationToken.None);

        var outcomes = Enumerable.Range(0, result.Count).Select(i => result[i]).ToArray();
        RowOutcome[] expected =
        [
            .. Enumerable.Repeat(RowOutcome.AlreadyWritten, 5), .. Enumerable.Repeat(RowOutcome.Written, 5),
            .. Enumerable.Repeat(RowOutcome.AlreadyWritten, 2), .. Enumerable.Repeat(RowOutcome.Written, 2),
            .. Enumerable.Repeat(RowOutcome.Written, 2),
        ];
        Assert.Equal(expected, outcomes);
        using var reader = _file.OpenReader();
        var spans = reader.SummarizePartitions("overlap");
        Assert.Equal(new PartitionSpan(15, 0, 14), spans[0]);
        Assert.Equal(new PartitionSpan(6, 0, 5), spans[1]);
        Assert.Equal(new PartitionSpan(2, 0, 1), spans[2]);
        Assert.All(spans.Values, s => Assert.Equal(0, s.Gaps));
        Assert.Equal(0, reader.CountDuplicates("overlap"));
    }

    // A refused row reaches the DLQ only after its batch committed. When that send never completed (DLQ down, then a
    // restart) Kafka redelivers the row, and a later row of its partition written in the same batch had already moved
    // the stored offset past it: reported AlreadyWritten, it completed without a row or a dead letter, and was lost.
    [Fact]
    public async Task A_refused_row_redelivered_after_a_later_row_of_its_partition_was_written_is_refused_again()
    {
        TableColumn[] columns = [new("d", ColumnType.Date)];
        var batch = MakeBatch("refused", [Row(0, 0, ("d", FieldValue.FromString("2024-13-45"))), Row(0, 1, ("d", FieldValue.FromString("2024-01-01")))], columns);
        await using var sink = _file.OpenSink();
        var first = await sink.WriteAsync(batch, CancellationToken.None);
        Assert.Equal([RowOutcome.Rejected, RowOutcome.Written], Enumerable.Range(0, 2).Select(i => first[i]));

        var replay = await sink.WriteAsync(batch, CancellationToken.None);

        Assert.Equal([RowOutcome.Rejected, RowOutcome.AlreadyWritten], Enumerable.Range(0, 2).Select(i => replay[i]));
        Assert.Contains("2024-13-45", replay.ErrorFor(0), StringComparison.Ordinal);
        using var reader = _file.OpenReader();
        Assert.Equal(1, reader.CountRows("refused"));
        Assert.Equal(new Dictionary<int, long> { [0] = 2 }, reader.ReadNextOffsets("refused", Topic));
    }

    [Fact]
    public async Task Resume_offsets_survive_closing_and_reopening_the_file()
    {
        await using (var sink = _file.OpenSink())
        {
            Assert.Empty(await sink.GetResumeOffsetsAsync("resume", Topic, CancellationToken.None));
            await sink.WriteAsync(MakeBatch("resume", [.. Rows(0, 0, 10), .. Rows(3, 40, 42)]), CancellationToken.None);
        }

        await using var reopened = _file.OpenSink();
        var offsets = await reopened.GetResumeOffsetsAsync("resume", Topic, CancellationToken.None);

        Assert.Equal(new Dictionary<int, long> { [0] = 10, [3] = 42 }, offsets);
        Assert.Empty(await reopened.GetResumeOffsetsAsync("resume", "other-topic", CancellationToken.None));
        var replay = await reopened.WriteAsync(MakeBatch("resume", Rows(0, 8, 12)), CancellationToken.None);
        Assert.Equal([RowOutcome.AlreadyWritten, RowOutcome.AlreadyWritten, RowOutcome.Written, RowOutcome.Written], Enumerable.Range(0, 4).Select(i => replay[i]));
    }

    [Fact]
    public async Task A_row_the_offset_table_did_not_account_for_is_a_duplicate_row_exception()
    {
        await using (var sink = _file.OpenSink())
        {
            await sink.WriteAsync(MakeBatch("dup", Rows(4, 0, 10)), CancellationToken.None);
        }

        _file.Execute("DELETE FROM _streamheal_offsets WHERE table_name = 'dup'");

        await using var reopened = _file.OpenSink();
        var error = await Assert.ThrowsAsync<DuplicateRowException>(
            async () => await reopened.WriteAsync(MakeBatch("dup", Rows(4, 9, 12)), CancellationToken.None));

        Assert.Contains("'dup'", error.Message, StringComparison.Ordinal);
        Assert.Contains("partition 4 offset 9", error.Message, StringComparison.Ordinal);
        using var reader = _file.OpenReader();
        Assert.Equal(10, reader.CountRows("dup"));
        Assert.Empty(reader.ReadNextOffsets("dup", Topic));
    }

    [Fact]
    public async Task A_batch_that_repeats_an_offset_is_a_duplicate_row_exception_and_writes_nothing()
    {
        await using var sink = _file.OpenSink();

        await Assert.ThrowsAsync<DuplicateRowException>(
            async () => await sink.WriteAsync(MakeBatch("repeat", [.. Rows(0, 0, 3), .. Rows(0, 2, 3)]), CancellationToken.None));

        Assert.Empty(await sink.GetResumeOffsetsAsync("repeat", Topic, CancellationToken.None));
        using var reader = _file.OpenReader();
        Assert.Equal(0, reader.CountRows("repeat"));
    }

    [Fact]
    public async Task Offsets_kept_between_batches_follow_new_partitions_and_a_failed_batch()
    {
        await using var sink = _file.OpenSink();
        await sink.WriteAsync(MakeBatch("kept", [.. Rows(0, 0, 5), .. Rows(1, 0, 3)]), CancellationToken.None);
        // Partition 0 is known (updated), partition 2 is new (inserted) in the same transaction.
        await sink.WriteAsync(MakeBatch("kept", [.. Rows(0, 5, 8), .. Rows(2, 0, 2)]), CancellationToken.None);
        // A failed batch rolls back; the offsets the writer kept must not have moved with it.
        await Assert.ThrowsAsync<DuplicateRowException>(
            async () => await sink.WriteAsync(MakeBatch("kept", [.. Rows(1, 3, 5), .. Rows(1, 4, 5)]), CancellationToken.None));

        var replay = await sink.WriteAsync(MakeBatch("kept", [.. Rows(1, 2, 6), .. Rows(0, 7, 9)]), CancellationToken.None);

        RowOutcome[] expected =
        [
            RowOutcome.AlreadyWritten, RowOutcome.Written, RowOutcome.Written, RowOutcome.Written,
            RowOutcome.AlreadyWritten, RowOutcome.Written,
        ];
        Assert.Equal(expected, Enumerable.Range(0, replay.Count).Select(i => replay[i]));
        var next = new Dictionary<int, long> { [0] = 9, [1] = 6, [2] = 2 };
        Assert.Equal(next, await sink.GetResumeOffsetsAsync("kept", Topic, CancellationToken.None));
        using var reader = _file.OpenReader();
        Assert.Equal(next, reader.ReadNextOffsets("kept", Topic));
        Assert.Equal(17, reader.CountRows("kept"));
        Assert.Equal(0, reader.CountDuplicates("kept"));
    }

    public void Dispose() => _file.Dispose();
}
