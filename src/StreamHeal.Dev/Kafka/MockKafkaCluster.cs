using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;
using StreamHeal.Dev.Kafka.Native;

namespace StreamHeal.Dev.Kafka;

/// <summary>
/// librdkafka's in-process mock Kafka cluster, for tests and <c>streamheal dev-kafka</c>.
/// </summary>
/// <remarks>
/// The mock keeps at most 5 MiB (or 100,000 message sets) per partition and silently drops the oldest data:
/// check <see cref="StreamHeal.Kafka.TopicWatermarks"/> before claiming nothing was lost. Fault injection is cluster-wide, so
/// tests sharing a cluster must undo it (<see cref="SetBrokerUp"/>, <see cref="ClearRequestErrors"/>).
/// Failures throw <see cref="InvalidOperationException"/> naming the native call and the librdkafka error.
/// </remarks>
public sealed class MockKafkaCluster : IAsyncDisposable
{
    private const int ErrorBufferSize = 512;

    private nint _handle;
    private nint _cluster;

    private MockKafkaCluster(nint handle, nint cluster, int brokerCount, string bootstrapServers)
    {
        _handle = handle;
        _cluster = cluster;
        BrokerCount = brokerCount;
        BootstrapServers = bootstrapServers;
    }

    /// <summary>Comma-separated <c>host:port</c> list of the mock brokers (127.0.0.1, random ports).</summary>
    public string BootstrapServers { get; }

    /// <summary>Number of brokers; their ids are 1..<see cref="BrokerCount"/>.</summary>
    public int BrokerCount { get; }

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="brokers"/> is below 1.</exception>
    /// <exception cref="DllNotFoundException">Confluent.Kafka's librdkafka could not be located.</exception>
    public static unsafe MockKafkaCluster Start(int brokers = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        RdKafkaLibrary.EnsureResolved();

        var errstr = stackalloc byte[ErrorBufferSize];
        var conf = RdKafkaNative.ConfNew();
        if (conf == 0)
        {
            throw new InvalidOperationException("rd_kafka_conf_new returned NULL.");
        }

        // The handle only hosts the mock; without this it warns that bootstrap.servers is not set.
        if (RdKafkaNative.ConfSet(conf, "log_level", "3", errstr, ErrorBufferSize) != RdKafkaNative.ConfOk)
        {
            var message = ReadError(errstr);
            RdKafkaNative.ConfDestroy(conf);
            throw new InvalidOperationException($"rd_kafka_conf_set(log_level=3) failed: {message}");
        }

        var handle = RdKafkaNative.New(RdKafkaNative.ProducerType, conf, errstr, ErrorBufferSize);
        if (handle == 0)
        {
            var message = ReadError(errstr);
            RdKafkaNative.ConfDestroy(conf);
            throw new InvalidOperationException($"rd_kafka_new(RD_KAFKA_PRODUCER) for the mock cluster failed: {message}");
        }

        var cluster = RdKafkaNative.MockClusterNew(handle, brokers);
        if (cluster == 0)
        {
            RdKafkaNative.Destroy(handle);
            throw new InvalidOperationException($"rd_kafka_mock_cluster_new({brokers} brokers) returned NULL.");
        }

        var bootstraps = Marshal.PtrToStringUTF8(RdKafkaNative.MockClusterBootstraps(cluster));
        if (string.IsNullOrEmpty(bootstraps))
        {
            RdKafkaNative.MockClusterDestroy(cluster);
            RdKafkaNative.Destroy(handle);
            throw new InvalidOperationException("rd_kafka_mock_cluster_bootstraps returned no servers.");
        }

        return new MockKafkaCluster(handle, cluster, brokers, bootstraps);
    }

    /// <summary>Creates a topic; clients could also auto-create it, but with the mock's default partition count.</summary>
    public void CreateTopic(string topic, int partitions, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(replicationFactor, BrokerCount);
        Check(
            RdKafkaNative.MockTopicCreate(Cluster, topic, partitions, replicationFactor),
            $"rd_kafka_mock_topic_create(topic '{topic}', {partitions} partitions, replication {replicationFactor})");
    }

    /// <summary>Disconnects the broker and refuses new connections. Partition leadership does not move.</summary>
    public void SetBrokerDown(int brokerId) =>
        Check(RdKafkaNative.MockBrokerSetDown(Cluster, ValidBroker(brokerId)), $"rd_kafka_mock_broker_set_down(broker {brokerId})");

    public void SetBrokerUp(int brokerId) =>
        Check(RdKafkaNative.MockBrokerSetUp(Cluster, ValidBroker(brokerId)), $"rd_kafka_mock_broker_set_up(broker {brokerId})");

    /// <summary>Delays every response of the broker by <paramref name="rtt"/> (millisecond resolution; zero removes it).</summary>
    public void SetBrokerRtt(int brokerId, TimeSpan rtt)
    {
        var ms = ToMilliseconds(rtt);
        Check(RdKafkaNative.MockBrokerSetRtt(Cluster, ValidBroker(brokerId), ms), $"rd_kafka_mock_broker_set_rtt(broker {brokerId}, {ms} ms)");
    }

    /// <summary>Moves partition leadership; the topic is created if it does not exist.</summary>
    public void SetPartitionLeader(string topic, int partition, int brokerId)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        Check(
            RdKafkaNative.MockPartitionSetLeader(Cluster, topic, partition, ValidBroker(brokerId)),
            $"rd_kafka_mock_partition_set_leader(topic '{topic}', partition {partition}, broker {brokerId})");
    }

    /// <summary>Pins the coordinator for a consumer group or transactional id.</summary>
    /// <param name="keyType"><c>"group"</c> or <c>"transaction"</c>.</param>
    /// <param name="key">The group.id or transactional.id.</param>
    /// <param name="brokerId">The coordinator broker.</param>
    public void SetCoordinator(string keyType, string key, int brokerId)
    {
        if (keyType is not ("group" or "transaction"))
        {
            throw new ArgumentException($"Coordinator key type must be \"group\" or \"transaction\", not \"{keyType}\".", nameof(keyType));
        }

        ArgumentException.ThrowIfNullOrEmpty(key);
        Check(
            RdKafkaNative.MockCoordinatorSet(Cluster, keyType, key, ValidBroker(brokerId)),
            $"rd_kafka_mock_coordinator_set({keyType} '{key}', broker {brokerId})");
    }

    /// <summary>
    /// Makes the next requests of type <paramref name="api"/>, to any broker, fail with <paramref name="errors"/>
    /// in order, one error per request. <see cref="ErrorCode.Local_Transport"/> makes the broker disconnect instead.
    /// </summary>
    public unsafe void PushRequestErrors(KafkaApiKey api, params ErrorCode[] errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Length == 0)
        {
            return;
        }

        var codes = new int[errors.Length];
        for (var i = 0; i < errors.Length; i++)
        {
            codes[i] = (int)errors[i];
        }

        var cluster = Cluster;
        fixed (int* first = codes)
        {
            RdKafkaNative.MockPushRequestErrorsArray(cluster, (short)api, (nuint)codes.Length, first);
        }
    }

    /// <summary>
    /// Makes the broker's next request of type <paramref name="api"/> (from any client) answer with
    /// <paramref name="error"/> (<see cref="ErrorCode.NoError"/> for a normal answer) after <paramref name="rtt"/>. The
    /// mock answers a connection's requests in order, so everything behind that request on the same connection waits
    /// too; another client's connection does not.
    /// </summary>
    public void PushBrokerRequestDelay(int brokerId, KafkaApiKey api, TimeSpan rtt, ErrorCode error = ErrorCode.NoError)
    {
        var ms = ToMilliseconds(rtt);
        Check(
            RdKafkaNative.MockBrokerPushRequestErrorRtt(Cluster, ValidBroker(brokerId), (short)api, 1, (int)error, ms),
            $"rd_kafka_mock_broker_push_request_error_rtts(broker {brokerId}, {api}, {error}, {ms} ms)");
    }

    /// <summary>Drops the errors still queued for <paramref name="api"/> by <see cref="PushRequestErrors"/>.</summary>
    public void ClearRequestErrors(KafkaApiKey api) => RdKafkaNative.MockClearRequestErrors(Cluster, (short)api);

    /// <summary>
    /// The broker's <c>group.initial.rebalance.delay.ms</c>: librdkafka's mock waits ~3 s by default before the
    /// first assignment of a new group; zero makes the first message arrive in well under a second.
    /// </summary>
    public void SetGroupInitialRebalanceDelay(TimeSpan delay) =>
        RdKafkaNative.MockGroupInitialRebalanceDelayMs(Cluster, ToMilliseconds(delay));

    /// <summary>Destroys the cluster, then its handle. Safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        var cluster = Interlocked.Exchange(ref _cluster, 0);
        var handle = Interlocked.Exchange(ref _handle, 0);
        if (cluster == 0 && handle == 0)
        {
            return;
        }

        // Both calls join native threads and may block for a while; keep that off the caller's thread.
        await Task.Run(() =>
        {
            if (cluster != 0)
            {
                RdKafkaNative.MockClusterDestroy(cluster);
            }

            if (handle != 0)
            {
                RdKafkaNative.Destroy(handle);
            }
        }).ConfigureAwait(false);
    }

    private nint Cluster
    {
        get
        {
            var cluster = Volatile.Read(ref _cluster);
            ObjectDisposedException.ThrowIf(cluster == 0, this);
            return cluster;
        }
    }

    private int ValidBroker(int brokerId)
    {
        if (brokerId < 1 || brokerId > BrokerCount)
        {
            throw new ArgumentOutOfRangeException(nameof(brokerId), brokerId, $"Broker ids of this mock cluster are 1..{BrokerCount}.");
        }

        return brokerId;
    }

    private static int ToMilliseconds(TimeSpan value)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromMilliseconds(int.MaxValue));
        return (int)value.TotalMilliseconds;
    }

    private static void Check(int error, string call)
    {
        if (error != 0)
        {
            var code = (ErrorCode)error;
            throw new InvalidOperationException($"{call} failed: {code} ({code.GetReason()}).");
        }
    }

    private static unsafe string ReadError(byte* errstr) =>
        Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(errstr));
}
