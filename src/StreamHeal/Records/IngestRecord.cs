using Confluent.Kafka;

namespace StreamHeal.Records;

/// <summary>
/// One Kafka record and everything learned about it on its way through the pipeline.
/// Exactly one instance exists per polled record; stages fill in <see cref="Row"/> or <see cref="Failure"/>,
/// and links route on <see cref="IsDeadLetter"/>. A bad record is a value here, never an exception.
/// </summary>
public sealed class IngestRecord
{
    public required string Topic { get; init; }

    public required int Partition { get; init; }

    public required long Offset { get; init; }

    public required DateTimeOffset Timestamp { get; init; }

    public byte[]? Key { get; init; }

    private byte[]? _value;
    private int _bytes = -1;
    private int _valueReturned;

    /// <summary>The original value bytes; null for a tombstone, and once the record is done and its array was returned (<see cref="ReturnValue"/>).</summary>
    public byte[]? Value
    {
        get => _value;
        init => _value = value;
    }

    public Headers? Headers { get; init; }

    /// <summary>The generation of the partition assignment this record was polled under (see the offset tracker).</summary>
    public required long AssignmentGeneration { get; init; }

    /// <summary>
    /// Bytes this record holds against the in-flight budget: an estimate of its real memory, not only its payload.
    /// The flattened row adds its per-field entries and the strings it could not leave in the value's bytes (escaped
    /// ones), counted as twice the payload: an upper bound now that unshared strings stay in the value.
    /// </summary>
    /// <remarks>Fixed at its first reading (admission), so returning the value afterwards does not change it.</remarks>
    public int Bytes => _bytes >= 0 ? _bytes : _bytes = (Key?.Length ?? 0) + (_value?.Length ?? 0) * PayloadFactor + Overhead;

    /// <summary>Destination table (set by decode; one table per topic by default).</summary>
    public string Table { get; set; } = "";

    /// <summary>The flattened event, once flatten has run.</summary>
    public FlatRow? Row { get; set; }

    public DeadLetterReason? Failure { get; private set; }

    public bool IsDeadLetter => Failure is not null;

    /// <summary>True when the record needs no row (a tombstone) and was completed where it was found.</summary>
    public bool IsSkipped { get; private set; }

    public void Skip() => IsSkipped = true;

    /// <summary>Where the record goes next; every stage links all three, so every record matches exactly one link.</summary>
    public RecordRoute Route => Failure is not null ? RecordRoute.DeadLetter : IsSkipped ? RecordRoute.Done : RecordRoute.Main;

    /// <summary>How many times a per-record step was attempted (for the DLQ's attempts header).</summary>
    public int Attempts { get; set; } = 1;

    /// <summary>Marks the record for the DLQ; the first failure wins.</summary>
    public void Fail(DeadLetterReason reason) => Failure ??= reason;

    public TopicPartitionOffset Position => new(Topic, Partition, Offset);

    /// <summary>
    /// Gives the value's array to <paramref name="pool"/> once the record is done (its row in the sink or its dead letter
    /// acknowledged); <see cref="Value"/> is null afterwards, so a late reader finds no value rather than another
    /// event's bytes. Only the first call returns the array, so a record completed twice cannot hand it out twice.
    /// </summary>
    public void ReturnValue(ValuePool pool)
    {
        if (Interlocked.Exchange(ref _valueReturned, 1) == 0 && _value is { } value)
        {
            _ = Bytes;
            _value = null;
            pool.Return(value);
        }
    }

    public override string ToString() => $"{Topic}[{Partition}]@{Offset}";

    // The record, its Kafka message and headers, and the row's own objects, measured on the demo's events.
    private const int Overhead = 512;
    private const int PayloadFactor = 3;
}

public enum RecordRoute : byte
{
    /// <summary>On to the next stage.</summary>
    Main,
    /// <summary>To the DLQ block.</summary>
    DeadLetter,
    /// <summary>Already complete (a tombstone); dropped from the graph.</summary>
    Done,
}

/// <summary>Why a record goes to the DLQ.</summary>
/// <param name="Type">A stable error type (e.g. <c>invalid_json</c>), written as <c>streamheal.error.type</c>.</param>
/// <param name="Message">A human-readable message, written as <c>streamheal.error.message</c>.</param>
/// <param name="Stage">The stage that failed it, written as <c>streamheal.error.stage</c>.</param>
public sealed record DeadLetterReason(string Type, string Message, string Stage)
{
    /// <summary>The error type of a value the decoder's rules accept and the flattener still cannot read.</summary>
    public const string FlattenFailedType = "flatten_failed";

    /// <summary>A value the decoder's rules accept and the flattener still could not read, in <paramref name="stage"/>.</summary>
    public static DeadLetterReason FlattenFailed(string stage) =>
        new(FlattenFailedType, "The flattener could not read a value the decoder accepts.", stage);
}
