using Microsoft.Extensions.Logging;
using StreamHeal.Kafka;
using StreamHeal.Sink.BigQuery.Auth;
using StreamHeal.Sink.BigQuery.Checkpoints;
using StreamHeal.Sink.BigQuery.Tables;
using StreamHeal.Flow;

namespace StreamHeal.Sink.BigQuery;

/// <summary>Builds a <see cref="BigQuerySink"/> and everything it owns from validated options.</summary>
public static class BigQuerySinkFactory
{
    /// <param name="holds">The pipeline's topic holds: the sink pauses a table's partitions through them.</param>
    public static async Task<BigQuerySink> CreateAsync(
        BigQuerySinkOptions options, KafkaOptions kafka, TopicHolds holds, TimeProvider timeProvider, ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var tokens = await BigQueryCredentials.CreateTokenProviderAsync(options, cancellationToken).ConfigureAwait(false);
        var writeClient = new BigQueryWriteClient(new BigQueryWriteOptions { Endpoint = options.WriteEndpoint, MaxRequestBytes = options.MaxRequestBytes }, tokens);
        var tableClient = new BigQueryTableClient(options, tokens);
        CheckpointStore? checkpoints = null;
        try
        {
            if (options.IsExactlyOnce)
            {
                checkpoints = new CheckpointStore(kafka, options.CheckpointTopicFor(kafka.GroupId), loggerFactory.CreateLogger("StreamHeal.Kafka"));
                await checkpoints.EnsureTopicAsync(cancellationToken).ConfigureAwait(false);
            }

            return new BigQuerySink(
                options, new BigQueryTableManager(tableClient, options), writeClient, checkpoints, holds, timeProvider,
                loggerFactory.CreateLogger("StreamHeal.Sink.BigQuery"), writeClient, tableClient);
        }
        catch
        {
            if (checkpoints is not null)
            {
                await checkpoints.DisposeAsync().ConfigureAwait(false);
            }

            tableClient.Dispose();
            writeClient.Dispose();
            throw;
        }
    }
}
