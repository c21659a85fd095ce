using StreamHeal.Records;
using StreamHeal.Tables;

namespace StreamHeal.CompatFilter;

/// <summary>
/// Keeps every row consistent with its table in one pass: a field whose column exists must match the column's type
/// and spelling; an unknown field registers a new nullable column typed by <c>schema.fieldTypes</c> or else by its
/// first value (first type wins; <c>schema.numberInference</c> decides whether integers make INT64 or FLOAT64).
/// Whatever cannot be kept moves to the row's <c>_quarantine</c> with its reason, so nothing is lost.
/// Thread-safe; allocation-free when every field is already a column of the right type.
/// </summary>
public sealed class CompatFilter(CompatFilterOptions options)
{
    private const int StackMarkLimit = 512;

    /// <summary>
    /// The new columns <paramref name="row"/> would add (non-null fields the table does not know, except spellings that
    /// collide inside the row), typed as <see cref="Apply"/> would type them. Empty, without allocating, for a row
    /// whose every field is known.
    /// </summary>
    public IReadOnlyList<TableColumn> ProposeColumns(FlatRow row, TableSchema schema)
    {
        var snapshot = schema.Current;
        List<TableColumn>? proposals = null;
        for (var i = 0; i < row.Count; i++)
        {
            var field = row[i];
            if (field.Value.IsNull || snapshot.TryGet(field.Name, out _))
            {
                continue;
            }

            var collides = false;
            for (var j = 0; j < row.Count; j++)
            {
                if (j != i && !row[j].Value.IsNull && string.Equals(row[j].Name, field.Name, StringComparison.OrdinalIgnoreCase))
                {
                    collides = true;
                    break;
                }
            }

            if (!collides)
            {
                if (snapshot.Columns.Count + (proposals?.Count ?? 0) >= options.MaxColumns)
                {
                    break;
                }

                (proposals ??= []).Add(new TableColumn(field.Name, ColumnTypes.Infer(field.Name, field.Value, options)));
            }
        }

        return (IReadOnlyList<TableColumn>?)proposals ?? [];
    }

    /// <summary>Applies the rules to <paramref name="row"/> in place; returns how many fields were quarantined.</summary>
    /// <param name="registerNew">
    /// False when new columns are registered elsewhere first (the Schema Registry): a field still unknown here could
    /// not be registered and goes to quarantine as <c>registry_unavailable</c>.
    /// </param>
    public int Apply(FlatRow row, TableSchema schema, bool registerNew = true)
    {
        var count = row.Count;
        if (count == 0)
        {
            return 0;
        }

        bool[]? rented = null;
        var marks = count <= StackMarkLimit ? stackalloc bool[count] : (rented = System.Buffers.ArrayPool<bool>.Shared.Rent(count)).AsSpan(0, count);
        marks.Clear();
        try
        {
            var snapshot = schema.Current;
            var quarantined = 0;
            var unknown = 0;
            var removedNulls = 0;
            for (var i = 0; i < count; i++)
            {
                var field = row[i];
                if (!snapshot.TryGet(field.Name, out var column))
                {
                    if (field.Value.IsNull)
                    {
                        // A null needs no column: leaving it out of the row reads back as null.
                        marks[i] = true;
                        removedNulls++;
                    }
                    else
                    {
                        unknown++;
                    }

                    continue;
                }

                quarantined += Check(row, field, column, marks, i);
            }

            if (unknown > 0)
            {
                quarantined += RegisterUnknown(row, schema, snapshot, marks, registerNew);
            }

            if (quarantined > 0 || unknown > 0 || removedNulls > 0)
            {
                row.RemoveMarked(marks);
            }

            return quarantined;
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<bool>.Shared.Return(rented);
            }
        }
    }

    private static int Check(FlatRow row, in FlatField field, TableColumn column, Span<bool> marks, int index)
    {
        if (!string.Equals(column.Name, field.Name, StringComparison.Ordinal))
        {
            Quarantine(row, field, QuarantineReasons.CaseCollisionWithTable, null, null);
            marks[index] = true;
            return 1;
        }

        if (!ColumnTypes.Accepts(column.Type, field.Value))
        {
            Quarantine(row, field, QuarantineReasons.TypeFlip, ColumnTypeNames.SqlName(column.Type), ColumnTypeNames.SqlName(ColumnTypes.Infer(field.Value.Kind)));
            marks[index] = true;
            return 1;
        }

        return 0;
    }

    // The slow path: only rows that bring names the table does not know yet get here.
    private int RegisterUnknown(FlatRow row, TableSchema schema, SchemaSnapshot snapshot, Span<bool> marks, bool registerNew)
    {
        var quarantined = 0;
        HashSet<string>? collided = null;
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < row.Count; i++)
        {
            var name = row[i].Name;
            if (marks[i] || snapshot.TryGet(name, out _))
            {
                continue;
            }

            if (seen.TryGetValue(name, out var first))
            {
                // Two spellings of one new name in the same event: neither can be told right, so both leave the row.
                (collided ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase)).Add(name);
                marks[first] = true;
                marks[i] = true;
            }
            else
            {
                seen[name] = i;
            }
        }

        for (var i = 0; i < row.Count; i++)
        {
            var field = row[i];
            if (snapshot.TryGet(field.Name, out _) || (marks[i] && field.Value.IsNull))
            {
                continue;
            }

            if (collided is not null && collided.Contains(field.Name))
            {
                Quarantine(row, field, QuarantineReasons.CaseCollisionInEvent, null, null);
                quarantined++;
                continue;
            }

            if (!registerNew && !schema.Current.TryGet(field.Name, out _))
            {
                Quarantine(row, field, QuarantineReasons.RegistryUnavailable, null, ColumnTypeNames.SqlName(ColumnTypes.Infer(field.Name, field.Value, options)));
                marks[i] = true;
                quarantined++;
                continue;
            }

            if (schema.Current.Columns.Count >= options.MaxColumns && !schema.Current.TryGet(field.Name, out _))
            {
                Quarantine(row, field, QuarantineReasons.TooManyColumns, null, ColumnTypeNames.SqlName(ColumnTypes.Infer(field.Value.Kind)));
                marks[i] = true;
                quarantined++;
                continue;
            }

            var column = schema.GetOrAdd(field.Name, ColumnTypes.Infer(field.Name, field.Value, options));
            quarantined += Check(row, field, column, marks, i);
        }

        return quarantined;
    }

    private static void Quarantine(FlatRow row, in FlatField field, string reason, string? expected, string? actual) =>
        row.AddQuarantine(new QuarantinedField(field.Name, field.Value.ToJsonLiteral(), reason, expected, actual));
}
