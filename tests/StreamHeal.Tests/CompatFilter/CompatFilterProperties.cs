using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using StreamHeal.CompatFilter;
using StreamHeal.Records;
using StreamHeal.Tables;

namespace StreamHeal.Tests.CompatFilter;

public sealed class CompatFilterProperties
{
    private static readonly string[] Names = ["a", "A", "b", "B", "userId", "UserId", "x_y", "X_Y"];

    private static Gen<FieldValue> Values() => Gen.OneOf(
        Gen.Constant(FieldValue.Null),
        Gen.Elements(true, false).Select(FieldValue.FromBool),
        Gen.Choose(-1000, 1000).Select(i => FieldValue.FromInt64(i)),
        Gen.Choose(-1000, 1000).Select(i => FieldValue.FromDouble(i / 7.0)),
        Gen.Elements("s", "t", "").Select(FieldValue.FromString),
        Gen.Constant(FieldValue.FromJson("[1,2]")));

    private static Arbitrary<(string, FieldValue)[][]> Events() =>
        Gen.Choose(1, 20).SelectMany(events => Gen.Choose(0, 6)
                .SelectMany(fields => Gen.Zip(Gen.Elements(Names), Values()).ArrayOf(fields))
                .Select(DistinctNames)
                .ArrayOf(events))
            .ToArbitrary();

    private static (string, FieldValue)[] DistinctNames((string, FieldValue)[] fields) =>
        fields.DistinctBy(f => f.Item1, StringComparer.Ordinal).ToArray();

    [Property(MaxTest = 300)]
    public Property Nothing_is_lost_and_every_kept_value_fits_its_column() =>
        Prop.ForAll(Events(), events =>
        {
            var schema = new TableSchema("t");
            var filter = new StreamHeal.CompatFilter.CompatFilter(new CompatFilterOptions());
            foreach (var fields in events)
            {
                var row = new FlatRow();
                foreach (var (name, value) in fields)
                {
                    row.Add(name, value);
                }

                filter.Apply(row, schema);
                var nonNullIn = fields.Count(f => !f.Item2.IsNull);
                var nonNullKept = row.Fields.Count(f => !f.Value.IsNull);
                var quarantinedNonNull = row.Quarantine.Count(q => q.Value != "null");
                if (nonNullIn != nonNullKept + quarantinedNonNull)
                {
                    return false;
                }

                foreach (var field in row.Fields)
                {
                    if (!schema.Current.TryGet(field.Name, out var column) || column.Name != field.Name || !ColumnTypes.Accepts(column.Type, field.Value))
                    {
                        return false;
                    }
                }
            }

            var names = schema.Current.Columns.Select(c => c.Name).ToList();
            return names.Distinct(StringComparer.OrdinalIgnoreCase).Count() == names.Count;
        });

    [Property(MaxTest = 200)]
    public Property A_column_type_never_changes_over_any_sequence_of_events() =>
        Prop.ForAll(Events(), events =>
        {
            var schema = new TableSchema("t");
            var filter = new StreamHeal.CompatFilter.CompatFilter(new CompatFilterOptions());
            var seen = new Dictionary<string, ColumnType>(StringComparer.Ordinal);
            foreach (var fields in events)
            {
                var row = new FlatRow();
                foreach (var (name, value) in fields)
                {
                    row.Add(name, value);
                }

                filter.Apply(row, schema);
                foreach (var column in schema.Current.Columns)
                {
                    if (seen.TryGetValue(column.Name, out var type) && type != column.Type)
                    {
                        return false;
                    }

                    seen[column.Name] = column.Type;
                }
            }

            return true;
        });

    [Property(MaxTest = 200)]
    public Property The_outcome_of_one_event_does_not_depend_on_field_order() =>
        Prop.ForAll(Events(), events =>
        {
            var fields = events[0];
            static (string[] Kept, string[] Quarantined) Run((string, FieldValue)[] input)
            {
                var row = new FlatRow();
                foreach (var (name, value) in input)
                {
                    row.Add(name, value);
                }

                new StreamHeal.CompatFilter.CompatFilter(new CompatFilterOptions()).Apply(row, new TableSchema("t"));
                return (row.Fields.Select(f => f.Name).Order(StringComparer.Ordinal).ToArray(), row.Quarantine.Select(q => q.Name + q.Reason).Order(StringComparer.Ordinal).ToArray());
            }

            var forward = Run(fields);
            var backward = Run(fields.Reverse().ToArray());
            return forward.Kept.SequenceEqual(backward.Kept) && forward.Quarantined.SequenceEqual(backward.Quarantined);
        });
}
