using System.Reflection;
using Microsoft.Extensions.Logging;
using StreamHeal.Pipeline;
using Xunit;

namespace StreamHeal.Tests.Architecture;

/// <summary>Alerts and dashboards match log lines on their event id, so no two messages of the library may share one.</summary>
public sealed class LogEventIdTests
{
    [Fact]
    public void Every_log_message_of_the_library_has_an_event_id_of_its_own()
    {
        const BindingFlags All = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        var messages = typeof(IngestionPipeline).Assembly.GetTypes()
            .SelectMany(type => type.GetMethods(All))
            .Select(method => (Method: $"{method.DeclaringType!.Name}.{method.Name}", Attribute: method.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(message => message.Attribute is not null)
            .ToArray();

        Assert.True(messages.Length > 20, $"only {messages.Length} log messages found: the scan misses some");
        var shared = messages.GroupBy(message => message.Attribute!.EventId).Where(group => group.Count() > 1)
            .Select(group => $"{group.Key}: {string.Join(", ", group.Select(message => message.Method))}");
        Assert.Empty(shared);
    }
}
