namespace StreamHeal.Flatten;

/// <summary>
/// The event is input the flattener cannot turn into a row (e.g. JSON that did not pass the decoder). Only this
/// becomes a <c>flatten_failed</c> dead letter; any other exception from flattening is a bug and stops the pipeline.
/// </summary>
public sealed class FlattenException(string message, Exception? inner = null) : Exception(message, inner);
