namespace StreamHeal.Offsets;

/// <summary>
/// Tracks in-flight offsets of one partition and yields the offset Kafka should commit: the first registered
/// offset not yet completed, or the last registered + 1 once all are complete.
/// </summary>
/// <remarks>
/// Offsets live in a ring buffer from the oldest incomplete one to the newest; completed heads are dropped
/// as they finish, so memory follows the in-flight span, not the partition's history. Lookups are O(1)
/// while offsets are contiguous and a binary search over the ring when there are gaps (compaction,
/// transaction markers). Thread-safe: registration from the poll thread, completion from any sink thread.
/// </remarks>
public sealed class PartitionOffsetTracker
{
    private const int InitialCapacity = 64;

    // An idle tracker gives back memory a burst made it take.
    private const int ShrinkAbove = 4096;

    private readonly Lock _gate = new();
    private long[] _offsets = new long[InitialCapacity];
    private bool[] _done = new bool[InitialCapacity];
    private int _head;
    private int _count;
    private int _pending;
    private long _lastRegistered = -1;
    private long? _lastTaken;
    private bool _closed;

    /// <summary>The offset to commit (the next one to read); null until something is registered.</summary>
    public long? CommittableOffset
    {
        get
        {
            lock (_gate)
            {
                return Committable();
            }
        }
    }

    /// <summary>Registered offsets not yet completed.</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _pending;
            }
        }
    }

    /// <summary>True once <see cref="Close"/> ran; completions are then ignored.</summary>
    public bool IsClosed
    {
        get
        {
            lock (_gate)
            {
                return _closed;
            }
        }
    }

    /// <summary>Registers a polled offset; offsets must strictly increase, gaps are allowed.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The offset is negative or not above the last one registered.</exception>
    /// <exception cref="InvalidOperationException">The tracker is closed.</exception>
    public void Register(long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        lock (_gate)
        {
            if (_closed)
            {
                throw new InvalidOperationException($"Offset {offset} registered after the partition's tracker was closed (revoked).");
            }

            if (offset <= _lastRegistered)
            {
                throw new ArgumentOutOfRangeException(nameof(offset), offset, $"Offsets must strictly increase; the last registered is {_lastRegistered}.");
            }

            if (_count == _offsets.Length)
            {
                Resize(_offsets.Length * 2);
            }

            var slot = Slot(_count);
            _offsets[slot] = offset;
            _done[slot] = false;
            _count++;
            _pending++;
            // Nothing has been consumed yet, so the first position is not an advance worth storing.
            _lastTaken ??= offset;
            _lastRegistered = offset;
        }
    }

    /// <summary>Marks a registered offset complete, in any order.</summary>
    /// <returns>False when the offset is unknown, already complete, or the tracker is closed.</returns>
    public bool Complete(long offset) => Complete(new ReadOnlySpan<long>(in offset)) == 1;

    /// <summary>
    /// Marks registered offsets complete, in any order, under one lock: a sink batch's rows of this partition cost one
    /// acquisition, not one each. Unknown and already completed offsets are skipped.
    /// </summary>
    /// <returns>How many offsets this completed; 0 when the tracker is closed.</returns>
    public int Complete(ReadOnlySpan<long> offsets)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return 0;
            }

            var completed = 0;
            var headCompleted = false;
            foreach (var offset in offsets)
            {
                // The head moves only after the loop, so every index is relative to the same head.
                var index = IndexOf(offset);
                if (index < 0 || _done[Slot(index)])
                {
                    continue;
                }

                _done[Slot(index)] = true;
                completed++;
                headCompleted |= index == 0;
            }

            _pending -= completed;
            if (headCompleted)
            {
                DropCompletedHead();
            }

            return completed;
        }
    }

    /// <summary>True once per advance of <see cref="CommittableOffset"/>, so the caller stores an offset only when it moved.</summary>
    public bool TryTakeAdvanced(out long offset)
    {
        lock (_gate)
        {
            var committable = Committable();
            if (committable is null || committable == _lastTaken)
            {
                offset = 0;
                return false;
            }

            _lastTaken = committable;
            offset = committable.Value;
            return true;
        }
    }

    /// <summary>The offset last taken was not stored after all: the next <see cref="TryTakeAdvanced"/> gives it again.</summary>
    public void ReturnTaken(long offset)
    {
        lock (_gate)
        {
            if (_lastTaken == offset)
            {
                _lastTaken = null;
            }
        }
    }

    /// <summary>Stops tracking (on revoke) and returns the final offset to commit; later completions are ignored.</summary>
    public long? Close()
    {
        lock (_gate)
        {
            _closed = true;
            return Committable();
        }
    }

    private long? Committable() =>
        _lastRegistered < 0 ? null : _count > 0 ? _offsets[_head] : _lastRegistered + 1;

    private int Slot(int index) => (_head + index) & (_offsets.Length - 1);

    private int IndexOf(long offset)
    {
        if (_count == 0 || offset < _offsets[_head] || offset > _lastRegistered)
        {
            return -1;
        }

        // Offsets strictly increase, so an offset's index is at most its distance from the head.
        var distance = offset - _offsets[_head];
        if (distance < _count && _offsets[Slot((int)distance)] == offset)
        {
            return (int)distance;
        }

        var low = 0;
        var high = (int)Math.Min(distance, _count - 1);
        while (low <= high)
        {
            var mid = low + ((high - low) >> 1);
            var value = _offsets[Slot(mid)];
            if (value == offset)
            {
                return mid;
            }

            if (value < offset)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return -1;
    }

    private void DropCompletedHead()
    {
        while (_count > 0 && _done[_head])
        {
            _head = (_head + 1) & (_offsets.Length - 1);
            _count--;
        }

        if (_count == 0 && _offsets.Length > ShrinkAbove)
        {
            _offsets = new long[InitialCapacity];
            _done = new bool[InitialCapacity];
            _head = 0;
        }
    }

    private void Resize(int capacity)
    {
        var offsets = new long[capacity];
        var done = new bool[capacity];
        for (var i = 0; i < _count; i++)
        {
            offsets[i] = _offsets[Slot(i)];
            done[i] = _done[Slot(i)];
        }

        _offsets = offsets;
        _done = done;
        _head = 0;
    }
}
