namespace StreamHeal.Alerting;

/// <summary>
/// A condition that is raised while it holds and resolved once when it clears (Alertmanager's <c>endsAt</c>), followed
/// by a <c>recovered</c> incident. One caller at a time.
/// </summary>
internal sealed class IncidentCondition
{
    private Incident? _raised;
    private DateTimeOffset _since;

    public void Update(bool active, DateTimeOffset now, Func<Incident, bool> raise, Func<DateTimeOffset, Incident> make)
    {
        if (active)
        {
            if (_raised is null)
            {
                _since = now;
            }

            var incident = make(_since);
            if (_raised is { } previous && previous.Severity != incident.Severity)
            {
                // Severity is an Alertmanager label: the alert raised at the other severity is a separate alert
                // and would keep firing there.
                raise(previous.ResolvedAt(now));
            }

            _raised = incident;
            raise(incident);
            return;
        }

        if (_raised is { } cleared)
        {
            _raised = null;
            raise(cleared.ResolvedAt(now));
            raise(IncidentCatalog.RecoveredFrom(cleared, now));
        }
    }
}
