using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StreamHeal.Alerting;
using StreamHeal.Batch;
using StreamHeal.CompatFilter;
using StreamHeal.DeadLetter;
using StreamHeal.Decode;
using StreamHeal.Kafka;
using StreamHeal.Pipeline;
using StreamHeal.Retry;
using StreamHeal.SchemaRegistry;
using StreamHeal.SchemaState;
using StreamHeal.Sink;
using StreamHeal.Sink.BigQuery;
using StreamHeal.Sink.DuckDb;
using StreamHeal.Records;
using StreamHeal.Watchdog;

namespace StreamHeal.Hosting;

/// <summary>Registers the ingestion service and its validated options on a host.</summary>
public static class StreamHealServices
{
    /// <param name="configuration">Decides whether a Schema Registry is configured (<c>schemaRegistry:url</c>).</param>
    public static IServiceCollection AddStreamHeal(this IServiceCollection services, IConfiguration configuration)
    {
        if (!string.IsNullOrWhiteSpace(configuration["schemaRegistry:url"]))
        {
            services.AddValidated<SchemaRegistryOptions>("schemaRegistry");
            services.AddSingleton(static sp => SchemaRegistryClients.Create(Get<SchemaRegistryOptions>(sp)));
            services.AddValidated<SchemaStateOptions>(SchemaStateOptions.SectionName);
        }

        services.AddValidated<KafkaOptions>(KafkaOptions.SectionName);
        services.AddValidated<PipelineOptions>(PipelineOptions.SectionName);
        services.AddValidated<DecodeOptions>("decode");
        services.AddValidated<FlattenOptions>("flatten");
        services.AddValidated<CompatFilterOptions>(CompatFilterOptions.SectionName);
        services.AddValidated<BatchOptions>("batch");
        services.AddValidated<RetryOptions>(RetryOptions.SectionName);
        services.AddValidated<DeadLetterOptions>(DeadLetterOptions.SectionName);
        services.AddValidated<SinkOptions>(SinkOptions.SectionName);
        if (string.Equals(configuration["sink:type"], SinkOptions.BigQuery, StringComparison.OrdinalIgnoreCase))
        {
            services.AddValidated<BigQuerySinkOptions>(BigQuerySinkOptions.SectionName);
        }
        else
        {
            services.AddValidated<DuckDbSinkOptions>("sink:duckdb");
        }

        services.AddValidated<HealthOptions>(HealthOptions.SectionName);
        services.AddValidated<AlertOptions>(AlertOptions.SectionName);
        services.AddValidated<WatchdogOptions>(WatchdogOptions.SectionName);
        services.AddValidated<TelemetryOptions>(TelemetryOptions.SectionName);
        var telemetry = configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>();
        if (!string.IsNullOrWhiteSpace(telemetry?.OtlpEndpoint) && Uri.TryCreate(telemetry.OtlpEndpoint, UriKind.Absolute, out _))
        {
            // The host's meter provider: the pipeline's meter comes from this host's IMeterFactory (IngestionService).
            MetricsExport.AddOtlp(services, telemetry);
        }

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(static sp => new PipelineSettings(
            Get<KafkaOptions>(sp), Get<PipelineOptions>(sp), Get<DecodeOptions>(sp), Get<FlattenOptions>(sp),
            Get<CompatFilterOptions>(sp), Get<BatchOptions>(sp), Get<RetryOptions>(sp), Get<DeadLetterOptions>(sp)));
        services.AddHostedService<IngestionService>();
        // The host must wait for the whole drain and the final commit, or shutdown would cut them off.
        services.AddOptions<HostOptions>().Configure<IOptions<PipelineOptions>>(static (host, pipeline) =>
        {
            try
            {
                host.ShutdownTimeout = pipeline.Value.DrainTimeout + pipeline.Value.RevokeDrainTimeout + TimeSpan.FromSeconds(30);
            }
            catch (OptionsValidationException)
            {
                // Reported by ValidateConfiguration before the host starts; the host is built first to run it.
            }
        });
        return services;
    }

    /// <summary>
    /// Validates every options section and returns one line per problem, each naming its section, so a user fixes
    /// all of them in one go instead of one per start.
    /// </summary>
    public static IReadOnlyList<string> ValidateConfiguration(IServiceProvider services)
    {
        var problems = new List<string>();
        foreach (var check in services.GetServices<SectionCheck>())
        {
            try
            {
                check.Resolve(services);
            }
            catch (OptionsValidationException e)
            {
                foreach (var failure in e.Failures)
                {
                    problems.Add($"[{check.Section}] {failure}");
                }
            }
            catch (InvalidOperationException e)
            {
                problems.Add($"[{check.Section}] {e.Message}");
            }
        }

        if (problems.Count == 0)
        {
            var kafka = Get<KafkaOptions>(services);
            problems.AddRange(KafkaPropertyProblems(kafka, Get<PipelineOptions>(services)));
            var checkpoints = Get<SinkOptions>(services).Type.Equals(SinkOptions.BigQuery, StringComparison.OrdinalIgnoreCase)
                && Get<BigQuerySinkOptions>(services) is { IsExactlyOnce: true } bigQuery
                    ? bigQuery.CheckpointTopicFor(kafka.GroupId)
                    : null;
            problems.AddRange(TopicProblems(kafka.Topics, Get<DeadLetterOptions>(services), checkpoints));
        }

        return problems;
    }

    /// <summary>
    /// The topics StreamHeal writes, made from settings of different sections: each must be a legal name, and none may be
    /// a topic it reads, or its own records would come back to it as input (a topic that is its own DLQ loops for ever).
    /// </summary>
    internal static IEnumerable<string> TopicProblems(IReadOnlyList<string> topics, DeadLetterOptions dlq, string? checkpointTopic)
    {
        var read = new HashSet<string>(topics, StringComparer.Ordinal);
        foreach (var topic in topics)
        {
            var deadLetters = dlq.TopicFor(topic);
            if (TopicNames.Problem(deadLetters) is { } problem)
            {
                yield return $"[dlq.topicTemplate] '{dlq.TopicTemplate}' makes '{deadLetters}' the DLQ topic of '{topic}', which is not a Kafka topic name: {problem}.";
            }
            else if (read.Contains(deadLetters))
            {
                yield return $"[dlq.topicTemplate] '{dlq.TopicTemplate}' makes '{deadLetters}' the DLQ topic of '{topic}', and kafka.topics reads it: dead letters would come back as input. Use a template such as '{DeadLetterOptions.DefaultTopicTemplate}'.";
            }
        }

        if (checkpointTopic is null)
        {
            yield break;
        }

        if (TopicNames.Problem(checkpointTopic) is { } checkpointProblem)
        {
            yield return $"[sink.bigquery.checkpointTopic] '{checkpointTopic}' (the exactly-once checkpoint topic; by default made from kafka.groupId) is not a Kafka topic name: {checkpointProblem}. Set sink.bigquery.checkpointTopic.";
        }
        else if (read.Contains(checkpointTopic) || topics.Any(t => dlq.TopicFor(t) == checkpointTopic))
        {
            yield return $"[sink.bigquery.checkpointTopic] '{checkpointTopic}' is also a topic StreamHeal reads or dead-letters to; the exactly-once checkpoints need a topic of their own.";
        }
    }

    // librdkafka checks property names and values when a client is built; building one (it connects lazily)
    // turns a typo in kafka.properties into a configuration error instead of a failure after start-up.
    private static IEnumerable<string> KafkaPropertyProblems(KafkaOptions kafka, PipelineOptions pipeline)
    {
        string? problem = null;
        try
        {
            using var consumer = new Confluent.Kafka.ConsumerBuilder<byte[], byte[]>(KafkaConfigBuilder.Consumer(kafka, pipeline.PrefetchKBytes))
                .SetLogHandler(static (_, _) => { })
                .Build();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            problem = $"[kafka.properties] {e.Message}";
        }
        catch (Confluent.Kafka.KafkaException e)
        {
            problem = $"[kafka.properties] {e.Error.Reason}";
        }

        return problem is null ? [] : [problem];
    }

    private static void AddValidated<T>(this IServiceCollection services, string section)
        where T : class
    {
        services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>, EveryProblemValidation<T>>();
        services.AddSingleton(new SectionCheck(section.Replace(':', '.'), static sp => _ = sp.GetRequiredService<IOptions<T>>().Value));
    }

    private sealed record SectionCheck(string Section, Action<IServiceProvider> Resolve);

    private static T Get<T>(IServiceProvider services)
        where T : class => services.GetRequiredService<IOptions<T>>().Value;
}
