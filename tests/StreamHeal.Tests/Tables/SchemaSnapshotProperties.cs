using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using StreamHeal.Tables;

namespace StreamHeal.Tests.Tables;

public sealed class SchemaSnapshotProperties
{
    private static readonly string[] Names = ["a", "A", "ab", "aB", "Ab", "userId", "userid", "USERID", "x_y", "X_Y", "é", "É"];

    /// <summary>
    /// A lookup finds the column whose name equals the probe ignoring case, the first one added when several would;
    /// the exact-spelling shortcut never gives another column than the case-insensitive lookup would.
    /// </summary>
    [Property(MaxTest = 500)]
    public Property A_lookup_finds_the_first_column_named_so_ignoring_case() =>
        Prop.ForAll(
            Gen.Elements(Names).ArrayOf().ToArbitrary(),
            Gen.Elements(Names).ToArbitrary(),
            (names, probe) =>
            {
                var schema = new TableSchema("t", names.Select((n, i) => new TableColumn(n, i % 2 == 0 ? ColumnType.String : ColumnType.Int64)));
                var expected = schema.Current.Columns.Where(c => string.Equals(c.Name, probe, StringComparison.OrdinalIgnoreCase)).Take(1).ToList();
                var found = schema.Current.TryGet(probe, out var column);
                return found == (expected.Count == 1) && (!found || column == expected[0]);
            });
}
