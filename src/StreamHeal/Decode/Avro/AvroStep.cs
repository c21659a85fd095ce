using StreamHeal.Tables;
using StreamHeal.Records;

namespace StreamHeal.Decode.Avro;

internal enum AvroStepKind : byte
{
    /// <summary>Decode one value and emit it under <see cref="AvroStep.Name"/>.</summary>
    Leaf,

    /// <summary>Walk the record's field steps in order; the record itself emits nothing.</summary>
    Record,

    /// <summary>Read the branch index and run that branch's step, which shares this step's name.</summary>
    Union,
}

/// <summary>
/// One step of an <see cref="AvroFlattener"/>'s decode plan, with its column name sanitised when the plan
/// was built, so a record costs no name work. Immutable.
/// </summary>
internal sealed class AvroStep
{
    public required AvroStepKind Kind { get; init; }

    public required AvroType Type { get; init; }

    /// <summary>The sanitised column name; null when <see cref="Status"/> is <see cref="ColumnNameStatus.Invalid"/>.</summary>
    public string? Name { get; init; }

    public ColumnNameStatus Status { get; init; }

    /// <summary>Index of <see cref="Name"/> among the plan's distinct names, for the per-record collision check; -1 if none.</summary>
    public int Slot { get; init; } = -1;

    /// <summary>The field path as declared, joined by '.', for <c>_quarantine</c>.</summary>
    public string DisplayPath { get; init; } = "";

    /// <summary>Shared texts of a string leaf with a valid name; null for other steps or when the cache is off.</summary>
    public ValueTextCache.Column? Values { get; init; }

    /// <summary>Field steps of a record, or branch steps of a union.</summary>
    public AvroStep[] Children { get; init; } = [];
}
