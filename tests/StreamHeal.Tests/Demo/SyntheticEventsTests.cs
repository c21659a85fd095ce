using System.Text;
using StreamHeal.CompatFilter;
using StreamHeal.Dev.Demo;
using StreamHeal.Flatten;
using StreamHeal.Records;
using Xunit;
using StreamHeal.Tables;

namespace StreamHeal.Tests.Demo;

public sealed class SyntheticEventsTests
{
    private const long Total = 20_000;

    [Fact]
    public void The_same_seed_and_index_give_the_same_bytes()
    {
        var a = new SyntheticEvents(seed: 7);
        var b = new SyntheticEvents(seed: 7);

        for (var i = 0L; i < 2_000; i += 13)
        {
            Assert.Equal(a.ValueAt(i, Total), b.ValueAt(i, Total));
            Assert.Equal(a.PoisonAt(i), b.PoisonAt(i));
        }
    }

    [Fact]
    public void Through_flatten_and_compat_filter_the_stream_carries_every_hazard_at_a_small_share()
    {
        var events = new SyntheticEvents(seed: 42, poisonShare: 0);
        var flattener = new Flattener(new FlattenOptions());
        var filter = new StreamHeal.CompatFilter.CompatFilter(new CompatFilterOptions());
        var schema = new TableSchema("events");
        var reasons = new Dictionary<(string Field, string Reason), int>();
        for (var i = 0L; i < Total; i++)
        {
            var row = flattener.Flatten(events.ValueAt(i, Total));
            filter.Apply(row, schema);
            foreach (var field in row.Quarantine)
            {
                reasons[(field.Name, field.Reason)] = reasons.GetValueOrDefault((field.Name, field.Reason)) + 1;
            }

            if (i < SyntheticEvents.HazardFreeEvents)
            {
                Assert.Empty(row.Quarantine);
            }
        }

        Assert.InRange(reasons[("UserName", QuarantineReasons.CaseCollisionInEvent)], 10, Total / 100);
        Assert.InRange(reasons[("username", QuarantineReasons.CaseCollisionInEvent)], 10, Total / 100);
        Assert.InRange(reasons[("UserId", QuarantineReasons.CaseCollisionWithTable)], 10, Total / 50);
        Assert.InRange(reasons[("app_version", QuarantineReasons.TypeFlip)], 1, Total / 200);
        Assert.InRange(reasons[("is_premium", QuarantineReasons.TypeFlip)], 5, Total / 200);
        Assert.Equal(5, reasons.Count);

        var columns = schema.Current.Columns.ToDictionary(static c => c.Name, static c => c.Type);
        // The first value decides: fractions come first, so whole seconds later widen into FLOAT64 instead of flipping.
        Assert.Equal(ColumnType.Float64, columns["session_seconds"]);
        Assert.Equal(ColumnType.Bool, columns["is_premium"]);
        Assert.Equal(ColumnType.String, columns["userId"]);
        Assert.Equal(ColumnType.String, columns["device__model"]);
        Assert.Equal(ColumnType.Int64, columns["device__model__year"]);
        Assert.Contains("device__model__name", columns.Keys);
        Assert.Contains("network", columns.Keys);
        Assert.Contains("consent__ads", columns.Keys);
    }

    [Fact]
    public void Session_seconds_is_sometimes_whole_and_never_whole_in_the_hazard_free_start()
    {
        var events = new SyntheticEvents(seed: 3, poisonShare: 0);
        var flattener = new Flattener(new FlattenOptions());
        var kinds = new List<(long Index, FieldKind Kind)>();
        for (var i = 0L; i < 5_000; i++)
        {
            var seconds = flattener.Flatten(events.ValueAt(i, 5_000)).Fields.Single(static f => f.Name == "session_seconds");
            kinds.Add((i, seconds.Value.Kind));
        }

        Assert.All(kinds.Where(static k => k.Index < SyntheticEvents.HazardFreeEvents / 2), static k => Assert.Equal(FieldKind.Float64, k.Kind));
        Assert.InRange(kinds.Count(static k => k.Kind == FieldKind.Int64), 20, 300);
    }

    [Fact]
    public void Poison_is_unchanged_by_the_hazards()
    {
        var events = new SyntheticEvents(seed: 42);
        var poison = Enumerable.Range(0, 20_000).Count(i => events.PoisonAt(i) != PoisonKind.None);

        Assert.InRange(poison, 50, 150);
        Assert.Equal(Encoding.UTF8.GetBytes("[5,2,3]"), events.Poison(PoisonKind.NotAnObject, 5));
    }

    [Fact]
    public void The_avro_share_is_repeatable_skips_json_poison_and_leaves_the_json_events_as_they_were()
    {
        var withAvro = new SyntheticEvents(seed: 42, avroShare: 0.1);
        var again = new SyntheticEvents(seed: 42, avroShare: 0.1);
        var jsonOnly = new SyntheticEvents(seed: 42);
        var forms = Enumerable.Range(0, (int)Total).Select(i => withAvro.AvroAt(i)).ToArray();

        Assert.Equal(forms, Enumerable.Range(0, (int)Total).Select(i => again.AvroAt(i)));
        Assert.InRange(forms.Count(static f => f == AvroForm.Valid), 1_700, 2_300);
        Assert.InRange(forms.Count(static f => f is AvroForm.Truncated or AvroForm.UnknownSchema), 5, 60);
        Assert.All(Enumerable.Range(0, (int)Total).Where(i => forms[i] != AvroForm.None), i => Assert.Equal(PoisonKind.None, withAvro.PoisonAt(i)));
        Assert.All(Enumerable.Range(0, (int)Total).Where(static i => i % 97 == 0), i => Assert.Equal(jsonOnly.ValueAt(i, Total), withAvro.ValueAt(i, Total)));
        Assert.All(Enumerable.Range(0, (int)Total), i => Assert.Equal(AvroForm.None, jsonOnly.AvroAt(i)));
    }
}
