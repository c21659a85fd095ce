namespace StreamHeal.Records;

/// <summary>
/// A field that could not be kept as a column. It travels in the row's <c>_quarantine</c> JSON column
/// so nothing the producer sent is lost.
/// </summary>
/// <param name="Name">The field's path as it arrived (before sanitising).</param>
/// <param name="Value">The value as a JSON literal.</param>
/// <param name="Reason">A stable reason code, see <see cref="QuarantineReasons"/>.</param>
/// <param name="ExpectedType">The registered column type, when the reason is a type mismatch.</param>
/// <param name="ActualType">The type the value would need, when the reason is a type mismatch.</param>
public sealed record QuarantinedField(string Name, string Value, string Reason, string? ExpectedType = null, string? ActualType = null);

/// <summary>Reason codes written into <c>_quarantine</c>; stable because queries filter on them.</summary>
public static class QuarantineReasons
{
    public const string ReservedName = "reserved_name";
    public const string NameCollision = "name_collision";
    public const string InvalidName = "invalid_name";
    public const string TypeFlip = "type_flip";
    public const string CaseCollisionInEvent = "case_collision_in_event";
    public const string CaseCollisionWithTable = "case_collision_with_table";
    public const string TooManyColumns = "too_many_columns";
    public const string RegistryUnavailable = "registry_unavailable";

    /// <summary>An array kept out of the columns because flatten's array mode is <c>Quarantine</c>.</summary>
    public const string ArrayValue = "array_value";
}
