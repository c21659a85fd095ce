using System.Runtime.InteropServices;

namespace StreamHeal.Dev.Kafka.Native;

/// <summary>
/// The few librdkafka exports the mock cluster needs; signatures follow <c>rdkafka.h</c> and <c>rdkafka_mock.h</c>.
/// Call <see cref="RdKafkaLibrary.EnsureResolved"/> before the first call.
/// </summary>
internal static partial class RdKafkaNative
{
    public const int ProducerType = 0; // RD_KAFKA_PRODUCER
    public const int ConfOk = 0; // RD_KAFKA_CONF_OK

    [LibraryImport(RdKafkaLibrary.Name, EntryPoint = "rd_kafka_conf_new")]
    public static partial nint ConfNew();

    [LibraryImport(RdKafkaLibrary.Name, EntryPoint = "rd_kafka_conf_destroy")]
    public static partial void ConfDestroy(nint conf);

    [LibraryImport(RdKafkaLibrary.Name, EntryPoint = "rd_kafka_conf_set", StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int ConfSet(nint conf, string name, string value, byte* errstr, nuint errstrSize);

    /// <remarks>Takes ownership of <paramref name="conf"/> on success only.</remarks>
    [LibraryImport(RdKafkaLibrary.Name, EntryPoint = "rd_kafka_new")]
    public static unsafe partial nint New(int type, nint conf, byte* errstr, nuint errstrSize);

    [LibraryImport(RdKafkaLibrary.Name, EntryPoint = "rd_kafka_destroy")]
    public static partial void Destroy(nint rk);

    [LibraryImport(RdKafkaLibrary.Name, EntryPoint = "rd_kafka_mock_cluster_new")]
    public static partial nint MockClusterNew(nint rk, int brokerCount);

    [LibraryImport(RdKafkaLibrary.Name, EntryPoint = "rd_kafka_mock_cluster_destroy")]
    public static partial void MockClusterDestroy(nint mcluster);

    /// <returns>A string owned by the cluster: copy it, never free it.</returns>
    [LibraryImport(RdKafkaLibrary.Name, EntryPoint = "rd_kafka_mock_cluster_bootstraps")]
    public static partial nint MockClusterBootstraps(nint mcluster);

    [LibraryImport(RdKafkaLibrary.Name, EntryPoint = "rd_kafka_mock_topic_create", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MockTopicCreate(nint mcluster, string topic, int partitionCount, int replicationFactor);

    [LibraryImport(RdKafkaLibrary.Name, EntryPoint = "rd_kafka_mock_broker_set_down")]
    public static partial int MockBrokerSetDown(nint mcluster, int brokerId);

    [LibraryImport(RdKafkaLibrary.Name, EntryPoint = "rd_kafka_mock_broker_set_up")]
    public static partial int MockBrokerSetUp(nint mcluster, int brokerId);

    [LibraryImport(RdKafkaLibrary.Name, EntryPoint = "rd_kafka_mock_broker_set_rtt")]
    public static partial int MockBrokerSetRtt(nint mcluster, int brokerId, int rttMs);

    [LibraryImport(RdKafkaLibrary.Name, EntryPoint = "rd_kafka_mock_partition_set_leader", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MockPartitionSetLeader(nint mcluster, string topic, int partition, int brokerId);

    [LibraryImport(RdKafkaLibrary.Name, EntryPoint = "rd_kafka_mock_coordinator_set", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MockCoordinatorSet(nint mcluster, string keyType, string key, int brokerId);

    [LibraryImport(RdKafkaLibrary.Name, EntryPoint = "rd_kafka_mock_push_request_errors_array")]
    public static unsafe partial void MockPushRequestErrorsArray(nint mcluster, short apiKey, nuint count, int* errors);

    // Variadic in C ((err, rtt) pairs after cnt); bound for exactly one pair, which on x86-64 and AArch64 Linux passes
    // like a fixed-argument call with two more ints.
    [LibraryImport(RdKafkaLibrary.Name, EntryPoint = "rd_kafka_mock_broker_push_request_error_rtts")]
    public static partial int MockBrokerPushRequestErrorRtt(nint mcluster, int brokerId, short apiKey, nuint count, int error, int rttMs);

    [LibraryImport(RdKafkaLibrary.Name, EntryPoint = "rd_kafka_mock_clear_request_errors")]
    public static partial void MockClearRequestErrors(nint mcluster, short apiKey);

    [LibraryImport(RdKafkaLibrary.Name, EntryPoint = "rd_kafka_mock_group_initial_rebalance_delay_ms")]
    public static partial void MockGroupInitialRebalanceDelayMs(nint mcluster, int delayMs);
}
