using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StreamHeal.Batch;
using StreamHeal.CompatFilter;
using StreamHeal.DeadLetter;
using StreamHeal.Decode;
using StreamHeal.Flatten;
using StreamHeal.Kafka;
using StreamHeal.Pipeline;
using StreamHeal.Retry;
using StreamHeal.Sink;
using StreamHeal.Sink.DuckDb;

namespace StreamHeal.Hosting;

/// <summary>Registers the ingestion service and its validated options on a host.</summary>
public static class StreamHealServices
{
    public static IServiceCollection AddStreamHeal(this IServiceCollection services)
    {
        services.AddValidated<KafkaOptions>(KafkaOptions.SectionName);
        services.AddValidated<PipelineOptions>(PipelineOptions.SectionName);
        services.AddValidated<DecodeOptions>("decode");
        services.AddValidated<FlattenOptions>("flatten");
        services.AddValidated<CompatFilterOptions>(CompatFilterOptions.SectionName);
        services.AddValidated<BatchOptions>("batch");
        services.AddValidated<RetryOptions>(RetryOptions.SectionName);
        services.AddValidated<DeadLetterOptions>(DeadLetterOptions.SectionName);
        services.AddValidated<SinkOptions>(SinkOptions.SectionName);
        services.AddValidated<DuckDbSinkOptions>("sink:duckdb");
        services.AddValidated<HealthOptions>(HealthOptions.SectionName);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(static sp => new PipelineSettings(
            Get<KafkaOptions>(sp), Get<PipelineOptions>(sp), Get<DecodeOptions>(sp), Get<FlattenOptions>(sp),
            Get<CompatFilterOptions>(sp), Get<BatchOptions>(sp), Get<RetryOptions>(sp), Get<DeadLetterOptions>(sp)));
        services.AddHostedService<IngestionService>();
        services.Configure<HostOptions>(static o => o.ShutdownTimeout = TimeSpan.FromMinutes(2));
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

        return problems;
    }

    private static void AddValidated<T>(this IServiceCollection services, string section)
        where T : class
    {
        services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(new SectionCheck(section.Replace(':', '.'), static sp => _ = sp.GetRequiredService<IOptions<T>>().Value));
    }

    private sealed record SectionCheck(string Section, Action<IServiceProvider> Resolve);

    private static T Get<T>(IServiceProvider services)
        where T : class => services.GetRequiredService<IOptions<T>>().Value;
}
