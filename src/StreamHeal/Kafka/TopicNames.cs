namespace StreamHeal.Kafka;

/// <summary>Kafka's rules for a topic name, checked at start-up instead of failing at the first produce or subscribe.</summary>
public static class TopicNames
{
    /// <summary>The longest topic name a broker accepts.</summary>
    public const int MaxLength = 249;

    /// <summary>Why <paramref name="name"/> cannot be a Kafka topic, or null when it can.</summary>
    public static string? Problem(string name)
    {
        if (name.Length == 0)
        {
            return "it is empty";
        }

        if (name[0] == '^')
        {
            // librdkafka would subscribe it as a pattern; the DLQ and table names are made from the topic's own name.
            return "a name starting with '^' is a regular-expression subscription, which StreamHeal does not support: list the topics";
        }

        if (name.Length > MaxLength)
        {
            return $"it is {name.Length} characters long; Kafka allows {MaxLength}";
        }

        if (name is "." or "..")
        {
            return "Kafka does not allow '.' or '..' as a topic name";
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
            {
                return $"'{c}' is not allowed; a topic name may use only ASCII letters, digits, '.', '_' and '-'";
            }
        }

        return null;
    }
}
