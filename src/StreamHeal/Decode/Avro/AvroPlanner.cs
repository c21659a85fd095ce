using System.Text;
using StreamHeal.Tables;
using StreamHeal.Records;

namespace StreamHeal.Decode.Avro;

/// <summary>
/// Builds the decode plan of a top-level record (or union of records): records flatten into <c>parent__child</c> steps, unions keep
/// their field's name for every branch, everything else is one leaf. A record that contains itself (directly
/// or through others) is flattened once and kept whole as JSON where it recurs, so the plan is finite.
/// </summary>
internal sealed class AvroPlanner
{
    private readonly string _separator;
    private readonly int _maxNameLength;
    private readonly ValueTextCache? _values;
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private readonly HashSet<AvroType> _onPath = new(ReferenceEqualityComparer.Instance);
    private readonly List<string> _path = [];

    /// <param name="values">Where string leaves get their value tables; null plans without.</param>
    public AvroPlanner(string separator, int maxNameLength, ValueTextCache? values = null)
    {
        _separator = separator;
        _maxNameLength = maxNameLength;
        _values = values;
    }

    /// <summary>Distinct valid column names the plan can emit.</summary>
    public int SlotCount => _slots.Count;

    public AvroStep[] PlanRoot(AvroType root)
    {
        if (root.Kind == AvroKind.Union)
        {
            // One step: the branch index, then that record's fields named from the top, as a record at the top would be.
            return [Plan(root)];
        }

        _onPath.Add(root);
        return PlanFields(root);
    }

    /// <summary>The most fields one record can emit (unions count their largest branch).</summary>
    public static int MaxLeaves(IEnumerable<AvroStep> steps) => steps.Sum(static s => s.Kind switch
    {
        AvroStepKind.Record => MaxLeaves(s.Children),
        AvroStepKind.Union => s.Children.Length == 0 ? 0 : s.Children.Max(static c => MaxLeaves([c])),
        _ => 1,
    });

    private AvroStep[] PlanFields(AvroType record)
    {
        var steps = new AvroStep[record.Children.Length];
        for (var i = 0; i < steps.Length; i++)
        {
            _path.Add(record.Names[i]);
            steps[i] = Plan(record.Children[i]);
            _path.RemoveAt(_path.Count - 1);
        }

        return steps;
    }

    private AvroStep Plan(AvroType type)
    {
        if (type.Kind == AvroKind.Union)
        {
            return new AvroStep { Kind = AvroStepKind.Union, Type = type, Children = type.Children.Select(Plan).ToArray() };
        }

        // An empty record is a leaf ("{}"), as an empty JSON object is.
        if (type.Kind == AvroKind.Record && type.Children.Length > 0 && _onPath.Add(type))
        {
            var fields = PlanFields(type);
            _onPath.Remove(type);
            return new AvroStep { Kind = AvroStepKind.Record, Type = type, Children = fields };
        }

        return Leaf(type);
    }

    private AvroStep Leaf(AvroType type)
    {
        var name = ColumnNames.FromPath(EncodedPath(), _separator, _maxNameLength);
        var slot = -1;
        if (name.Status == ColumnNameStatus.Valid && !_slots.TryGetValue(name.Name!, out slot))
        {
            slot = _slots.Count;
            _slots.Add(name.Name!, slot);
        }

        return new AvroStep
        {
            Kind = AvroStepKind.Leaf,
            Type = type,
            Name = name.Name,
            Status = name.Status,
            Slot = slot,
            DisplayPath = string.Join('.', _path),
            Values = type.Kind == AvroKind.String && name.Status == ColumnNameStatus.Valid ? _values?.NewColumn() : null,
        };
    }

    /// <summary>The path in the form the JSON flattener names from: UTF-8 keys joined by <see cref="ColumnNames.PathSeparator"/>.</summary>
    private byte[] EncodedPath()
    {
        var path = new List<byte>();
        foreach (var key in _path)
        {
            if (path.Count > 0)
            {
                path.Add(ColumnNames.PathSeparator);
            }

            path.AddRange(Encoding.UTF8.GetBytes(key));
        }

        return [.. path];
    }
}
