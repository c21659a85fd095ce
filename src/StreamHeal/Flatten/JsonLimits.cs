namespace StreamHeal.Flatten;

/// <summary>The decoder's structural limits, which flatten's one pass over a JSON event enforces.</summary>
/// <param name="MaxDepth">The deepest nesting accepted, the root object being depth 1.</param>
/// <param name="MaxFields">The most leaf fields accepted (an array or an empty object counts as one).</param>
public readonly record struct JsonLimits(int MaxDepth, int MaxFields);
