using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using StreamHeal.Kafka;
using StreamHeal.Telemetry;

namespace StreamHeal.Sink.BigQuery.Checkpoints;

/// <summary>
/// Exactly-once checkpoints in a compacted Kafka topic. Confluent.Kafka cannot put metadata on an offset commit, so the
/// checkpoint is its own record: produced (idempotent, acks=all) after BigQuery acknowledged an append and before the
/// partition's Kafka offset is stored. A reader assigned to the whole topic keeps the latest checkpoint per
/// (table, partition) and catches up to the topic's end whenever a partition is (re)assigned.
/// <para>
/// Owners are fenced by epoch. A member taking a partition over claims the next epoch (<see cref="ClaimAsync"/>) with a
/// claim record keyed <c>{group}/{table}/{partition}#c{epoch}@{member}</c>; the first claim of an epoch in the topic
/// wins it, so of two members that read the same highest epoch and claimed the next one at once, exactly one owns the
/// partition. The winner then writes its state under <c>{group}/{table}/{partition}#e{epoch}</c> (epoch 0:
/// <c>{group}/{table}/{partition}</c>, as written before epochs), so compaction keeps one state record per epoch and a
/// late write of a member that lost the partition cannot replace the new owner's record. Readers take the highest
/// epoch; a writer that sees a higher epoch than its own gets <see cref="PartitionFencedException"/>. The topic has one
/// partition, so "before" and "after" are its offsets.
/// </para>
/// Thread-safe: reads, claims and checks share one lock around the reader.
/// </summary>
internal sealed class CheckpointStore : IAsyncDisposable
{
    private const string Name = "exactly-once checkpoint store";
    private const string EpochSeparator = "#e";
    private const string ClaimSeparator = "#c";
    private const char MemberSeparator = '@';
    private static readonly TimeSpan CatchUpTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(10);

    private readonly KafkaOptions _kafka;
    private readonly string _group;
    // Names this store's claims; a restarted member is a new claimant.
    private readonly string _member = Guid.NewGuid().ToString("N");
    private readonly IProducer<byte[], byte[]> _producer;
    private readonly IConsumer<byte[], byte[]> _reader;
    private readonly SemaphoreSlim _readLock = new(1, 1);
    private readonly ClientCalls _calls = new();
    private readonly FatalErrorWatch _fatal = new();
    private readonly ILogger _logger;
    private int _disposed;
    private readonly Dictionary<string, KeyState> _keys = new(StringComparer.Ordinal);
    private bool _assigned;

    public CheckpointStore(KafkaOptions kafka, string topic, ILogger logger)
    {
        _kafka = kafka;
        _group = kafka.GroupId;
        _logger = logger;
        Topic = topic;
        _producer = new ProducerBuilder<byte[], byte[]>(KafkaConfigBuilder.CheckpointProducer(kafka))
            .SetLogHandler((_, m) => KafkaClientLog.Log(logger, "checkpoint-producer", m))
            .SetErrorHandler((_, e) =>
            {
                _fatal.Observe(e);
                KafkaClientLog.Error(logger, "checkpoint-producer", e);
            })
            .Build();
        var reader = KafkaConfigBuilder.CheckpointReader(kafka);
        // Reads back wait for a fetch: the broker may hold an empty one up to this long before it answers.
        reader.FetchWaitMaxMs = 50;
        _reader = new ConsumerBuilder<byte[], byte[]>(reader).SetLogHandler((_, m) => KafkaClientLog.Log(logger, "checkpoint-reader", m)).Build();
    }

    public string Topic { get; }

    /// <summary>How long closing waits for a claim or write still inside the Kafka clients: 10 s. Tests shorten it.</summary>
    internal TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Creates the topic compacted with one partition when it is missing; an existing topic is left as it is.</summary>
    public async Task EnsureTopicAsync(CancellationToken cancellationToken)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _kafka.BootstrapServers }).SetLogHandler(static (_, _) => { }).Build();
        var metadata = admin.GetMetadata(MetadataTimeout);
        if (metadata.Topics.Exists(t => t.Topic == Topic && t.Error.Code == ErrorCode.NoError))
        {
            return;
        }

        try
        {
            await admin.CreateTopicsAsync(
                [new TopicSpecification
                {
                    Name = Topic,
                    NumPartitions = 1,
                    ReplicationFactor = (short)Math.Min(3, metadata.Brokers.Count),
                    Configs = new Dictionary<string, string> { ["cleanup.policy"] = "compact" },
                }],
                new CreateTopicsOptions { RequestTimeout = MetadataTimeout, OperationTimeout = MetadataTimeout }).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (CreateTopicsException e) when (e.Results.TrueForAll(static r => r.Error.Code is ErrorCode.TopicAlreadyExists or ErrorCode.NoError))
        {
            // Another replica created it first.
        }
        catch (KafkaException e)
        {
            throw new InvalidOperationException(
                $"The exactly-once checkpoint topic '{Topic}' does not exist and could not be created ({e.Error.Reason}). Create it with one partition and cleanup.policy=compact, or set sink.bigquery.checkpointTopic to one that exists.", e);
        }
    }

    /// <summary>
    /// Takes (table, partition) over for each of <paramref name="partitions"/>: reads the topic to its end, claims each
    /// partition's next epoch, and reads up to those claims (one round trip for them all). A partition is this member's
    /// when its claim is the first of that epoch; it then writes the state the previous epoch ended with under its own
    /// epoch. A write of the previous owner that landed before the claim is taken over with it; one that lands after it
    /// has a lower epoch and is ignored. A partition another member claimed first, or at a higher epoch, comes back
    /// <see cref="CheckpointClaim.Fenced"/>.
    /// </summary>
    public async Task<IReadOnlyDictionary<int, CheckpointClaim>> ClaimAsync(string table, IReadOnlyList<int> partitions, CancellationToken cancellationToken)
    {
        using var call = _calls.Enter(Name);
        await _readLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Run(() => CatchUp(untilOffset: null, cancellationToken), cancellationToken).ConfigureAwait(false);
            var starts = new List<(int Partition, string Key, long Epoch)>(partitions.Count);
            var claims = new List<Task<long>>(partitions.Count);
            foreach (var partition in partitions)
            {
                var key = BaseKey(table, partition);
                var epoch = State(key).MaxEpoch + 1;
                starts.Add((partition, key, epoch));
                claims.Add(ProduceClaimAsync(key, epoch, cancellationToken));
            }

            var last = (await Task.WhenAll(claims).ConfigureAwait(false)).DefaultIfEmpty(-1).Max();
            await Task.Run(() => CatchUp(last, cancellationToken), cancellationToken).ConfigureAwait(false);

            var result = new Dictionary<int, CheckpointClaim>(partitions.Count);
            foreach (var (partition, key, epoch) in starts)
            {
                var after = State(key);
                if (after.MaxEpoch != epoch || !string.Equals(after.Claimant, _member, StringComparison.Ordinal))
                {
                    result[partition] = new CheckpointClaim(null, null, epoch, Fenced: true);
                    continue;
                }

                // Where the previous epoch ended when this claim arrived: later writes of its owner are ignored.
                var latest = (after.Superseded ?? new StreamCheckpoint("", 0, -1, [])) with { Epoch = epoch };
                await ProduceAsync(key, latest, cancellationToken).ConfigureAwait(false);
                after.Latest = latest;
                after.Unreadable = null;
                RemoveSuperseded(key, after, epoch);
                result[partition] = new CheckpointClaim(IsEmpty(latest) ? null : latest, after.SupersededUnreadable, epoch);
            }

            return result;
        }
        catch (ProduceException<byte[], byte[]> e)
        {
            throw Failed($"Could not claim exactly-once checkpoints for {table} in '{Topic}'", e);
        }
        finally
        {
            _readLock.Release();
        }
    }

    /// <summary>Tombstones let compaction drop the previous epoch's state and the claims of earlier epochs.</summary>
    private void RemoveSuperseded(string key, KeyState state, long epoch)
    {
        if (epoch > 0)
        {
            Tombstone(EpochKey(key, epoch - 1));
        }

        for (var i = state.Claims.Count - 1; i >= 0; i--)
        {
            if (state.Claims[i].Epoch < epoch)
            {
                Tombstone(state.Claims[i].Key);
                state.Claims.RemoveAt(i);
            }
        }
    }

    private void Tombstone(string recordKey) =>
        _producer.Produce(Topic, new Message<byte[], byte[]> { Key = Encoding.UTF8.GetBytes(recordKey), Value = null! });

    /// <summary>
    /// Writes a checkpoint (its <see cref="StreamCheckpoint.Epoch"/> is the writer's) and waits for the brokers to
    /// acknowledge it. <paramref name="readBack"/>: reads the topic up to the record, so a claim of another member that
    /// precedes it is certainly seen (needed before rows go to a stream no checkpoint named yet); otherwise only what the
    /// reader already fetched is looked at, which catches a claim a moment later and costs no round trip.
    /// </summary>
    /// <exception cref="PartitionFencedException">Another member owns the partition with a higher epoch.</exception>
    public async Task WriteAsync(string table, int partition, StreamCheckpoint checkpoint, bool readBack, CancellationToken cancellationToken)
    {
        using var call = _calls.Enter(Name);
        var key = BaseKey(table, partition);
        long offset;
        try
        {
            offset = await ProduceAsync(key, checkpoint, cancellationToken).ConfigureAwait(false);
        }
        catch (ProduceException<byte[], byte[]> e)
        {
            throw Failed($"Could not write the exactly-once checkpoint for {table} partition {partition} to '{Topic}'", e);
        }

        await _readLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (readBack || !_assigned)
            {
                await Task.Run(() => CatchUp(offset, cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                while (Consume(TimeSpan.Zero) is not null)
                {
                    // Takes in what is already fetched.
                }
            }

            if (State(key).MaxEpoch > checkpoint.Epoch)
            {
                throw new PartitionFencedException(table, partition, checkpoint.Epoch, State(key).MaxEpoch);
            }
        }
        finally
        {
            _readLock.Release();
        }
    }

    private async Task<long> ProduceClaimAsync(string key, long epoch, CancellationToken cancellationToken)
    {
        var claimKey = string.Create(CultureInfo.InvariantCulture, $"{key}{ClaimSeparator}{epoch}{MemberSeparator}{_member}");
        // Not null: a null value is a tombstone. The key says everything.
        var delivered = await _producer.ProduceAsync(
            Topic, new Message<byte[], byte[]> { Key = Encoding.UTF8.GetBytes(claimKey), Value = [] }, cancellationToken).ConfigureAwait(false);
        return delivered.Offset.Value;
    }

    /// <summary>
    /// A refused checkpoint write: an outage the sink waits out (<see cref="SinkUnavailableException"/>), unless the
    /// topic refuses the record for good (an ACL, a policy, a topic deleted) or the producer failed for good. Then
    /// waiting would hold the table's offsets for ever with nothing written, so the pipeline stops and says why.
    /// </summary>
    private Exception Failed(string what, ProduceException<byte[], byte[]> e)
    {
        var cause = _fatal.Explain(e.Error);
        return KafkaErrors.Classify(cause) is KafkaErrorAction.Permanent or KafkaErrorAction.Fatal
            ? new CheckpointTopicRefusedException(
                $"{what}: {cause.Reason}. Exactly-once delivery cannot go on without its checkpoints: grant this client's principal Write and Read on the topic (and IdempotentWrite on the cluster for brokers before Kafka 3.0), or point sink.bigquery.checkpointTopic at one it may use, then start again.",
                e)
            : new SinkUnavailableException($"{what}: {e.Error.Reason}", e);
    }

    private async Task<long> ProduceAsync(string key, StreamCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var delivered = await _producer.ProduceAsync(
            Topic, new Message<byte[], byte[]> { Key = Encoding.UTF8.GetBytes(EpochKey(key, checkpoint.Epoch)), Value = checkpoint.ToJson() }, cancellationToken).ConfigureAwait(false);
        return delivered.Offset.Value;
    }

    private KeyState State(string key)
    {
        if (!_keys.TryGetValue(key, out var state))
        {
            _keys[key] = state = new KeyState();
        }

        return state;
    }

    private void EnsureAssigned()
    {
        if (_assigned)
        {
            return;
        }

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _kafka.BootstrapServers }).SetLogHandler(static (_, _) => { }).Build();
        var partitions = admin.GetMetadata(Topic, MetadataTimeout).Topics.Single().Partitions;
        _reader.Assign(partitions.Select(p => new TopicPartitionOffset(Topic, p.PartitionId, Offset.Beginning)));
        _assigned = true;
    }

    /// <summary>Reads up to the topic's end, or (given) past the record at <paramref name="untilOffset"/>.</summary>
    private void CatchUp(long? untilOffset, CancellationToken cancellationToken)
    {
        EnsureAssigned();
        var ends = new Dictionary<TopicPartition, long>();
        foreach (var partition in _reader.Assignment)
        {
            var end = untilOffset + 1 ?? _reader.QueryWatermarkOffsets(partition, MetadataTimeout).High.Value;
            var position = _reader.Position(partition);
            if (end > 0 && (position == Offset.Unset || position.Value < end))
            {
                ends[partition] = end;
            }
        }

        var deadline = DateTime.UtcNow + CatchUpTimeout;
        while (ends.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (DateTime.UtcNow > deadline)
            {
                throw new SinkUnavailableException($"Could not read the checkpoint topic '{Topic}' to its end within {CatchUpTimeout.TotalSeconds:0} s.");
            }

            var result = Consume(TimeSpan.FromMilliseconds(200));
            if (result is null)
            {
                continue;
            }

            // An end-of-partition event can wait in the queue from an earlier read: it counts only if it is past the end sought.
            var reached = result.IsPartitionEOF ? result.Offset.Value : result.Offset.Value + 1;
            if (ends.TryGetValue(result.TopicPartition, out var end) && reached >= end)
            {
                ends.Remove(result.TopicPartition);
            }
        }
    }

    private ConsumeResult<byte[], byte[]>? Consume(TimeSpan timeout)
    {
        ConsumeResult<byte[], byte[]>? result;
        try
        {
            result = _reader.Consume(timeout);
        }
        catch (ConsumeException e)
        {
            throw new SinkUnavailableException($"Reading the checkpoint topic '{Topic}' failed: {e.Error.Reason}", e);
        }

        if (result is { IsPartitionEOF: false, Message.Key: { } key })
        {
            Take(Encoding.UTF8.GetString(key), result.Message.Value);
        }

        return result;
    }

    /// <summary>
    /// Folds one record into its key's state: the highest epoch wins; within an epoch the first claim wins it and the
    /// later state record is the newer one.
    /// </summary>
    private void Take(string recordKey, byte[]? value)
    {
        // The partition number after the last '/' carries the epoch (and a claim's member); group and table may hold anything.
        var tail = recordKey.LastIndexOf('/') + 1;
        var claim = recordKey.IndexOf(ClaimSeparator, tail, StringComparison.Ordinal);
        if (claim >= 0)
        {
            TakeClaim(recordKey, claim, value is null);
            return;
        }

        if (value is null)
        {
            return; // A tombstone of a superseded epoch.
        }

        var separator = recordKey.IndexOf(EpochSeparator, tail, StringComparison.Ordinal);
        var keyEpoch = separator >= 0 && long.TryParse(recordKey.AsSpan(separator + EpochSeparator.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
        var state = State(separator >= 0 ? recordKey[..separator] : recordKey);
        if (keyEpoch < state.MaxEpoch)
        {
            return; // A late write of a member that had lost the partition.
        }

        if (keyEpoch > state.MaxEpoch)
        {
            // Claimed the way members did before claim records: by writing the state under the new epoch.
            state.Supersede(keyEpoch, claimant: null);
        }

        try
        {
            state.Latest = StreamCheckpoint.Parse(value);
            state.Unreadable = null;
        }
        catch (JsonException e)
        {
            // Never fall back to an older checkpoint: the stream may be past it, and replaying from it duplicates.
            state.Latest = null;
            state.Unreadable = $"checkpoint record '{recordKey}' does not parse ({e.Message})";
        }
    }

    private void TakeClaim(string recordKey, int separator, bool tombstone)
    {
        var state = State(recordKey[..separator]);
        var text = recordKey.AsSpan(separator + ClaimSeparator.Length);
        var at = text.IndexOf(MemberSeparator);
        if (at < 0 || !long.TryParse(text[..at], NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
        {
            return; // Not a key this store writes.
        }

        if (tombstone)
        {
            state.Claims.RemoveAll(c => string.Equals(c.Key, recordKey, StringComparison.Ordinal));
            return;
        }

        state.Claims.Add((recordKey, epoch));
        if (epoch > state.MaxEpoch)
        {
            state.Supersede(epoch, text[(at + 1)..].ToString());
        }

        // A claim of an epoch already claimed came second: it wins nothing.
    }

    private static bool IsEmpty(StreamCheckpoint? checkpoint) => checkpoint is null || (checkpoint.Stream.Length == 0 && checkpoint.NextKafka < 0 && checkpoint.Rejected.Count == 0);

    private string BaseKey(string table, int partition) => $"{_group}/{table}/{partition}";

    private static string EpochKey(string key, long epoch) => epoch == 0 ? key : string.Create(CultureInfo.InvariantCulture, $"{key}{EpochSeparator}{epoch}");

    /// <summary>
    /// Destroys the Kafka clients once no claim or write is inside them, waiting at most <see cref="CloseTimeout"/>; new
    /// calls are refused from the start. A call still inside past that (a pipeline abandoned at its stop bound) keeps
    /// the clients, which are then left to the process; a later call to this method, once it has left, still closes them.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (!await _calls.CloseAsync(CloseTimeout, TimeProvider.System).ConfigureAwait(false))
        {
            Log.DisposalAbandoned(_logger, Name, string.Create(CultureInfo.InvariantCulture,
                $"a claim or write was still inside its Kafka clients {CloseTimeout.TotalSeconds} s after the sink was closed; they stay open until the process exits"));
            return;
        }

        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
        _reader.Close();
        _reader.Dispose();
        _readLock.Dispose();
    }

    private sealed class KeyState
    {
        public long MaxEpoch { get; private set; } = -1;

        /// <summary>The member whose claim was the first of <see cref="MaxEpoch"/>; null when a state record raised it.</summary>
        public string? Claimant { get; private set; }

        /// <summary>The state of <see cref="MaxEpoch"/>; null before its owner wrote one, or when it did not parse.</summary>
        public StreamCheckpoint? Latest { get; set; }

        public string? Unreadable { get; set; }

        /// <summary>The latest state of the epochs before <see cref="MaxEpoch"/>, as it stood when the new epoch arrived.</summary>
        public StreamCheckpoint? Superseded { get; private set; }

        /// <summary>Why that state could not be read, if it could not.</summary>
        public string? SupersededUnreadable { get; private set; }

        /// <summary>Claim records seen and not yet tombstoned, so a later owner can remove them.</summary>
        public List<(string Key, long Epoch)> Claims { get; } = [];

        public void Supersede(long epoch, string? claimant)
        {
            // An epoch whose claimant wrote no state of its own (it stopped first) hands on what it started from.
            if (Latest is not null || Unreadable is not null)
            {
                Superseded = Latest;
                SupersededUnreadable = Unreadable;
            }

            MaxEpoch = epoch;
            Claimant = claimant;
            Latest = null;
            Unreadable = null;
        }
    }
}

/// <summary>
/// What a new owner of a partition starts from: the latest checkpoint (null: none, or it did not parse), why the
/// latest record could not be read (null: it could), and the epoch it now writes with. <see cref="Fenced"/>: another
/// member claimed a higher epoch at the same time; this one must not write the partition.
/// </summary>
internal sealed record CheckpointClaim(StreamCheckpoint? Checkpoint, string? Unreadable, long Epoch, bool Fenced = false);

/// <summary>Another member took the partition over (its checkpoint epoch is higher): this one must stop writing it.</summary>
internal sealed class PartitionFencedException(string table, int partition, long epoch, long newer)
    : Exception($"Table {table} partition {partition} is owned by another member now (checkpoint epoch {newer} > ours, {epoch}).")
{
    public int Partition { get; } = partition;
}
