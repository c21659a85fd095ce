using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using StreamHeal.Sink.BigQuery;
using Xunit;

namespace StreamHeal.Tests.Sink.BigQuery;

/// <summary>
/// The stream-end search over a model stream: a request of <c>n</c> rows at row offset 0 got ALREADY_EXISTS, the
/// stream really ends at <c>end</c> (&gt; 0), and <c>append(k)</c> answers as BigQuery does for the suffix at row <c>k</c>.
/// </summary>
public sealed class StreamEndSearchTests
{
    [Fact]
    public async Task The_suffix_starting_at_the_stream_end_is_appended_and_only_it()
    {
        var stream = new ModelStream(end: 7);

        var found = await StreamEndSearch.FindAsync(10, stream.Append);

        Assert.Equal(new StreamEnd(StreamEndKind.Appended, 7), found);
        Assert.Equal([7], stream.Accepted);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 5)]
    [InlineData(5, 9)]
    public async Task A_stream_reaching_past_the_request_holds_every_row_and_nothing_is_appended(int rows, int end)
    {
        var stream = new ModelStream(end);

        var found = await StreamEndSearch.FindAsync(rows, stream.Append);

        Assert.Equal(StreamEndKind.AllHeld, found.Kind);
        Assert.Equal(rows, found.Held);
        Assert.Empty(stream.Accepted);
    }

    [Fact]
    public async Task Answers_that_contradict_each_other_are_reported_not_guessed()
    {
        // k = 2 is "too small" and k = 3 "too large": no end is possible.
        var found = await StreamEndSearch.FindAsync(5, k => ValueTask.FromResult(k <= 2 ? SinkErrorAction.AlreadyWritten : SinkErrorAction.OffsetGap));

        Assert.Equal(StreamEndKind.Inconsistent, found.Kind);
    }

    [Fact]
    public async Task Any_other_answer_stops_the_search_with_that_action()
    {
        var found = await StreamEndSearch.FindAsync(8, _ => ValueTask.FromResult(SinkErrorAction.Reconnect));

        Assert.Equal(new StreamEnd(StreamEndKind.Failed, 0, SinkErrorAction.Reconnect), found);
    }

    private static Arbitrary<(int Rows, int End)> Requests() =>
        Gen.Choose(1, 300).SelectMany(rows => Gen.Choose(1, rows + 20).Select(end => (rows, end))).ToArbitrary();

    [Property(MaxTest = 300)]
    public Property Exactly_the_missing_rows_are_appended_once_within_log2_plus_one_tries() =>
        Prop.ForAll(Requests(), request =>
        {
            var (rows, end) = request;
            var stream = new ModelStream(end);
            var found = StreamEndSearch.FindAsync(rows, stream.Append).AsTask().GetAwaiter().GetResult();

            var expected = end < rows ? new StreamEnd(StreamEndKind.Appended, end) : new StreamEnd(StreamEndKind.AllHeld, rows);
            var accepted = end < rows ? new[] { end } : [];
            var bound = (int)Math.Ceiling(Math.Log2(rows)) + 1;
            return found == expected && stream.Accepted.SequenceEqual(accepted) && stream.Tries <= bound;
        });

    private sealed class ModelStream(int end)
    {
        public List<int> Accepted { get; } = [];

        public int Tries { get; private set; }

        public ValueTask<SinkErrorAction> Append(int k)
        {
            Tries++;
            if (k < end)
            {
                return ValueTask.FromResult(SinkErrorAction.AlreadyWritten);
            }

            if (k > end)
            {
                return ValueTask.FromResult(SinkErrorAction.OffsetGap);
            }

            Accepted.Add(k);
            return ValueTask.FromResult(SinkErrorAction.None);
        }
    }
}
