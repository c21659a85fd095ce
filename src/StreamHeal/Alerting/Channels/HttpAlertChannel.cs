namespace StreamHeal.Alerting.Channels;

/// <summary>
/// One configured channel: where it posts and in which format. The target URL may carry a token, so only
/// <see cref="Name"/> appears in logs and metrics.
/// </summary>
public sealed class HttpAlertChannel
{
    private readonly Uri _target;
    private readonly Func<Notification, string, HttpContent> _format;
    private readonly HttpClient _http;
    private readonly string _group;
    private readonly AlertChannelType _type;

    private HttpAlertChannel(AlertChannelType type, string name, AlertSeverity minSeverity, Uri target, Func<Notification, string, HttpContent> format, HttpClient http, string group)
    {
        _type = type;
        Name = name;
        MinSeverity = minSeverity;
        _target = target;
        _format = format;
        _http = http;
        _group = group;
    }

    public string Name { get; }

    public AlertSeverity MinSeverity { get; }

    public static HttpAlertChannel Create(AlertChannelOptions options, int index, HttpClient http, string group)
    {
        var url = new Uri(options.Url, UriKind.Absolute);
        return options.Type switch
        {
            AlertChannelType.Alertmanager => new(options.Type, options.DisplayName(index), options.MinSeverity, new Uri(WithSlash(url), "api/v2/alerts"), AlertFormats.Alertmanager, http, group),
            AlertChannelType.Slack => new(options.Type, options.DisplayName(index), options.MinSeverity, url, AlertFormats.Slack, http, group),
            _ => new(options.Type, options.DisplayName(index), options.MinSeverity, url, AlertFormats.Webhook, http, group),
        };
    }

    /// <summary>
    /// Alertmanager hears a recovery as the resolution (<c>endsAt</c>) of the cleared alert; a separate
    /// <c>recovered</c> alert would fire there until its resolve timeout.
    /// </summary>
    public bool Accepts(Incident incident) =>
        incident.Severity >= MinSeverity && !(_type == AlertChannelType.Alertmanager && incident.Kind == IncidentCatalog.Recovered);

    /// <summary>One attempt; throws <see cref="AlertSendException"/> (without the URL) when the receiver did not take it.</summary>
    public async Task SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        using var content = _format(notification, _group);
        try
        {
            using var response = await _http.PostAsync(_target, content, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new AlertSendException($"{Name} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }
        }
        catch (HttpRequestException e)
        {
            // HttpRequestException messages can name the URL; only the kind of failure is kept.
            throw new AlertSendException($"{Name} could not be reached ({e.HttpRequestError})");
        }
    }

    private static Uri WithSlash(Uri url) => url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
}

/// <summary>A channel did not accept a notification; the message names the channel, never its URL.</summary>
public sealed class AlertSendException(string message) : Exception(message);
