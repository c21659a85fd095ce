namespace StreamHeal.SchemaRegistry;

/// <summary>
/// A least-recently-used cache of at most <c>capacity</c> entries that loads a missing key once however many
/// callers ask for it at the same time. A failed load is not cached: the next caller loads again.
/// </summary>
public sealed class BoundedCache<TKey, TValue> : IDisposable
    where TKey : notnull
{
    private readonly int _capacity;
    private readonly Lock _lock = new();
    private readonly Dictionary<TKey, LinkedListNode<KeyValuePair<TKey, TValue>>> _entries = [];
    private readonly LinkedList<KeyValuePair<TKey, TValue>> _recency = new(); // most recently used first
    private readonly Dictionary<TKey, TaskCompletionSource<TValue>> _loading = [];
    private readonly CancellationTokenSource _disposed = new();

    public BoundedCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public bool TryGet(TKey key, out TValue value)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                Touch(node);
                value = node.Value.Value;
                return true;
            }
        }

        value = default!;
        return false;
    }

    /// <summary>
    /// Returns the cached value, or joins the load already running for <paramref name="key"/>, or starts one.
    /// The loader gets a token cancelled only when the cache is disposed, not the caller's: one caller giving up
    /// must not fail the others waiting on the same load. <paramref name="cancellationToken"/> stops this caller waiting.
    /// </summary>
    public ValueTask<TValue> GetOrLoadAsync(
        TKey key, Func<TKey, CancellationToken, Task<TValue>> loader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(loader);
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        TaskCompletionSource<TValue>? owner = null;
        Task<TValue> pending;
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                Touch(node);
                return ValueTask.FromResult(node.Value.Value);
            }

            if (_loading.TryGetValue(key, out var running))
            {
                pending = running.Task;
            }
            else
            {
                owner = new TaskCompletionSource<TValue>(TaskCreationOptions.RunContinuationsAsynchronously);
                _loading.Add(key, owner);
                pending = owner.Task;
            }
        }

        // Started outside the lock so a loader that completes synchronously finds the in-flight entry already there.
        if (owner is not null)
        {
            _ = LoadAsync(key, loader, owner);
        }

        return new ValueTask<TValue>(pending.WaitAsync(cancellationToken));
    }

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }

    private async Task LoadAsync(TKey key, Func<TKey, CancellationToken, Task<TValue>> loader, TaskCompletionSource<TValue> owner)
    {
        try
        {
            var value = await loader(key, _disposed.Token);
            lock (_lock)
            {
                _loading.Remove(key);
                Add(key, value);
            }

            owner.SetResult(value);
        }
        catch (Exception e)
        {
            lock (_lock)
            {
                _loading.Remove(key);
            }

            if (e is OperationCanceledException canceled)
            {
                owner.SetCanceled(canceled.CancellationToken);
            }
            else
            {
                owner.SetException(e);
            }
        }
    }

    private void Add(TKey key, TValue value)
    {
        if (_entries.Count >= _capacity)
        {
            var eldest = _recency.Last!;
            _recency.RemoveLast();
            _entries.Remove(eldest.Value.Key);
        }

        _entries[key] = _recency.AddFirst(new KeyValuePair<TKey, TValue>(key, value));
    }

    private void Touch(LinkedListNode<KeyValuePair<TKey, TValue>> node)
    {
        _recency.Remove(node);
        _recency.AddFirst(node);
    }
}
