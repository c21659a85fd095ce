using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace StreamHeal.Alerting.Channels;

/// <summary>The three bodies a notification is sent as, written with <see cref="Utf8JsonWriter"/> (no reflection).</summary>
internal static class AlertFormats
{
    public const string Service = "streamheal";

    /// <summary>Alertmanager's <c>POST /api/v2/alerts</c>: a list of one alert; <c>endsAt</c> resolves it.</summary>
    public static HttpContent Alertmanager(Notification notification, string group) => Json(writer =>
    {
        var incident = notification.Incident;
        writer.WriteStartArray();
        writer.WriteStartObject();
        writer.WriteStartObject("labels");
        writer.WriteString("alertname", incident.Kind);
        writer.WriteString("severity", AlertSeverities.Name(incident.Severity));
        writer.WriteString("service", Service);
        writer.WriteString("group", group);
        foreach (var (name, value) in incident.Labels.OrderBy(static l => l.Key, StringComparer.Ordinal))
        {
            writer.WriteString(name, value);
        }

        writer.WriteEndObject();
        writer.WriteStartObject("annotations");
        writer.WriteString("summary", incident.Summary);
        writer.WriteString("description", Append(incident.Description, notification.RepeatText));
        writer.WriteEndObject();
        writer.WriteString("startsAt", incident.StartsAt);
        if (incident.EndsAt is { } ends)
        {
            writer.WriteString("endsAt", ends);
        }

        writer.WriteEndObject();
        writer.WriteEndArray();
    });

    /// <summary>A Slack-compatible incoming webhook: one readable <c>text</c>.</summary>
    public static HttpContent Slack(Notification notification, string group) => Json(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("text", SlackText(notification, group));
        writer.WriteEndObject();
    });

    public static string SlackText(Notification notification, string group)
    {
        var incident = notification.Incident;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{(incident.IsResolution ? "RESOLVED" : AlertSeverities.Name(incident.Severity).ToUpperInvariant())} [{incident.Kind}] {incident.Summary}\n");
        text.Append(incident.Description).Append('\n');
        text.Append(CultureInfo.InvariantCulture, $"group {group}");
        foreach (var (name, value) in incident.Labels.OrderBy(static l => l.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $", {name} {value}");
        }

        text.Append(CultureInfo.InvariantCulture, $", since {incident.StartsAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC");
        if (notification.RepeatText.Length > 0)
        {
            text.Append(" (").Append(notification.RepeatText).Append(')');
        }

        return text.ToString();
    }

    /// <summary>The generic webhook: the incident as JSON.</summary>
    public static HttpContent Webhook(Notification notification, string group) => Json(writer =>
    {
        var incident = notification.Incident;
        writer.WriteStartObject();
        writer.WriteString("service", Service);
        writer.WriteString("group", group);
        writer.WriteString("kind", incident.Kind);
        writer.WriteString("key", incident.Key);
        writer.WriteString("severity", AlertSeverities.Name(incident.Severity));
        writer.WriteString("summary", incident.Summary);
        writer.WriteString("description", incident.Description);
        writer.WriteStartObject("labels");
        foreach (var (name, value) in incident.Labels)
        {
            writer.WriteString(name, value);
        }

        writer.WriteEndObject();
        writer.WriteString("startsAt", incident.StartsAt);
        if (incident.EndsAt is { } ends)
        {
            writer.WriteString("endsAt", ends);
        }

        writer.WriteBoolean("resolved", incident.IsResolution);
        writer.WriteNumber("repeats", notification.Repeats);
        if (notification.RepeatsSince is { } since)
        {
            writer.WriteString("repeatsSince", since);
        }

        writer.WriteEndObject();
    });

    private static string Append(string text, string more) => more.Length == 0 ? text : text + " (" + more + ")";

    private static ByteArrayContent Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }
}
