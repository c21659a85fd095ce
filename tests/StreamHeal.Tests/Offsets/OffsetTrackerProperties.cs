using Confluent.Kafka;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using StreamHeal.Offsets;
using Xunit;

namespace StreamHeal.Tests.Offsets;

public sealed class OffsetTrackerProperties
{
    private static readonly TopicPartition Tp = new("events", 3);

    /// <summary>Strictly increasing offsets with gaps, a completion order, and the step at which the partition is revoked.</summary>
    public sealed record Scenario(long[] Offsets, int[] CompletionOrder, int RevokeAt);

    private static readonly Gen<Scenario> Scenarios =
        from start in Gen.Choose(0, 1000)
        from gaps in Gen.Frequency((4, Gen.Constant(1)), (1, Gen.Choose(2, 5))).NonEmptyListOf()
        let offsets = Offsets(start, gaps)
        from order in Gen.Shuffle(Enumerable.Range(0, offsets.Length).ToArray())
        from revokeAt in Gen.Choose(0, offsets.Length)
        select new Scenario(offsets, order, revokeAt);

    [Property(MaxTest = 300)]
    public Property Committable_never_passes_an_incomplete_record_and_is_monotonic() =>
        Prop.ForAll(Scenarios.ToArbitrary(), static s =>
        {
            var tracker = new OffsetTracker();
            var generation = tracker.Assign(Tp);
            var done = new bool[s.Offsets.Length];
            var registered = 0;
            long? last = null;
            foreach (var index in s.CompletionOrder)
            {
                // The poll thread registers in order, so a record is registered before it can complete.
                while (registered <= index)
                {
                    tracker.Register(Tp, generation, s.Offsets[registered++]);
                }

                if (!tracker.Complete(Tp, generation, s.Offsets[index]))
                {
                    return false;
                }

                done[index] = true;
                var committable = tracker.CommittableOffsets().Single().Offset.Value;
                if (committable != Expected(s.Offsets, done, registered) || committable < last)
                {
                    return false;
                }

                last = committable;
            }

            return last == s.Offsets[^1] + 1 && tracker.TotalPending == 0;
        });

    [Property(MaxTest = 300)]
    public Property Stale_completions_after_revoke_never_advance_the_new_generation() =>
        Prop.ForAll(Scenarios.ToArbitrary(), static s =>
        {
            var tracker = new OffsetTracker();
            var old = tracker.Assign(Tp);
            foreach (var offset in s.Offsets)
            {
                tracker.Register(Tp, old, offset);
            }

            var done = new bool[s.Offsets.Length];
            foreach (var index in s.CompletionOrder[..s.RevokeAt])
            {
                tracker.Complete(Tp, old, s.Offsets[index]);
                done[index] = true;
            }

            var final = tracker.Revoke(Tp);
            if (final != Expected(s.Offsets, done, s.Offsets.Length))
            {
                return false;
            }

            // The new owner re-reads from the committed offset, so it sees the unfinished records again.
            var current = tracker.Assign(Tp);
            var redelivered = s.Offsets.Where(o => o >= final).ToArray();
            foreach (var offset in redelivered)
            {
                tracker.Register(Tp, current, offset);
            }

            foreach (var index in s.CompletionOrder[s.RevokeAt..])
            {
                if (tracker.Complete(Tp, old, s.Offsets[index]) || tracker.TryTakeAdvanced(Tp, out _))
                {
                    return false;
                }
            }

            var expectedCommittable = redelivered.Length > 0 ? redelivered[0] : (long?)null;
            return tracker.StaleCompletions == s.Offsets.Length - s.RevokeAt
                && tracker.Pending(Tp) == redelivered.Length
                && tracker.CommittableOffsets().SingleOrDefault()?.Offset.Value == expectedCommittable;
        });

    /// <summary>
    /// Completing in runs (a sink batch's rows, in any order and with repeats) agrees with completing one at a time at
    /// every step: the same committable offset, the same pending count, and each offset applied once.
    /// </summary>
    [Property(MaxTest = 300)]
    public Property Completing_runs_of_offsets_agrees_with_completing_them_one_at_a_time() =>
        Prop.ForAll(Scenarios.ToArbitrary(), Gen.Choose(1, 8).NonEmptyListOf().ToArbitrary(), static (s, runLengths) =>
        {
            var byRun = new OffsetTracker();
            var single = new OffsetTracker();
            var runGeneration = byRun.Assign(Tp);
            var singleGeneration = single.Assign(Tp);
            foreach (var offset in s.Offsets)
            {
                byRun.Register(Tp, runGeneration, offset);
                single.Register(Tp, singleGeneration, offset);
            }

            var position = 0;
            var lengths = runLengths.ToArray();
            for (var r = 0; position < s.CompletionOrder.Length; r++)
            {
                var length = Math.Min(lengths[r % lengths.Length], s.CompletionOrder.Length - position);
                var run = s.CompletionOrder.AsSpan(position, length).ToArray().Select(i => s.Offsets[i]).ToList();
                // A repeat of the run's first offset is skipped, as a redelivered completion is.
                run.Add(run[0]);
                var applied = byRun.Complete(Tp, runGeneration, run.ToArray());
                var appliedSingly = run.Count(o => single.Complete(Tp, singleGeneration, o));
                position += length;
                if (applied != length || appliedSingly != length
                    || byRun.CommittableOffset(Tp) != single.CommittableOffset(Tp) || byRun.Pending(Tp) != single.Pending(Tp))
                {
                    return false;
                }
            }

            return byRun.CommittableOffset(Tp) == s.Offsets[^1] + 1 && byRun.TotalPending == 0 && byRun.StaleCompletions == 0;
        });

    [Fact]
    public void A_run_completed_after_a_revoke_applies_nothing_and_counts_every_offset_stale()
    {
        var tracker = new OffsetTracker();
        var generation = tracker.Assign(Tp);
        tracker.Register(Tp, generation, 5);
        tracker.Register(Tp, generation, 6);
        tracker.Revoke(Tp);

        Assert.Equal(0, tracker.Complete(Tp, generation, [5, 6]));
        Assert.Equal(2, tracker.StaleCompletions);
    }

    private static long[] Offsets(int start, IReadOnlyList<int> gaps)
    {
        var offsets = new long[gaps.Count];
        long offset = start;
        for (var i = 0; i < gaps.Count; i++)
        {
            offsets[i] = offset;
            offset += gaps[i];
        }

        return offsets;
    }

    private static long Expected(long[] offsets, bool[] done, int registered)
    {
        for (var i = 0; i < registered; i++)
        {
            if (!done[i])
            {
                return offsets[i];
            }
        }

        return offsets[registered - 1] + 1;
    }
}
