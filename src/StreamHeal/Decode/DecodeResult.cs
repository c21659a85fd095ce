using StreamHeal.Records;

namespace StreamHeal.Decode;

/// <summary>The outcome of validating one Kafka value; a struct so the success path allocates nothing.</summary>
public readonly struct DecodeResult
{
    private DecodeResult(string? errorType, string? errorMessage, int fieldCount)
    {
        ErrorType = errorType;
        ErrorMessage = errorMessage;
        FieldCount = fieldCount;
    }

    public bool IsSuccess => ErrorType is null;

    /// <summary>One of <see cref="DecodeErrors"/>; null on success.</summary>
    public string? ErrorType { get; }

    /// <summary>What failed and where (byte offset, depth, the limit's option name); null on success.</summary>
    public string? ErrorMessage { get; }

    /// <summary>Leaf fields counted on success (a capacity hint for the flattened row); 0 on failure.</summary>
    public int FieldCount { get; }

    public static DecodeResult Success(int fieldCount) => new(null, null, fieldCount);

    public static DecodeResult Failure(string errorType, string errorMessage) => new(errorType, errorMessage, 0);

    /// <summary>The dead-letter reason for a failed result.</summary>
    /// <exception cref="InvalidOperationException">The result is a success.</exception>
    public DeadLetterReason ToDeadLetter(string stage) =>
        IsSuccess
            ? throw new InvalidOperationException("A successful decode has no dead-letter reason.")
            : new DeadLetterReason(ErrorType!, ErrorMessage!, stage);

    public override string ToString() => IsSuccess ? $"success ({FieldCount} fields)" : $"{ErrorType}: {ErrorMessage}";
}
