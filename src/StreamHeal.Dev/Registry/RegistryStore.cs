using System.Globalization;
using System.Text.Json.Nodes;
using Avro;

namespace StreamHeal.Dev.Registry;

/// <summary>
/// The embedded registry's state and rules, kept apart from HTTP so it outlives a stop and restart of the server.
/// Every method returns (HTTP status, JSON body) in the shapes and error codes of the real registry.
/// </summary>
internal sealed class RegistryStore
{
    public static readonly string[] Levels =
        ["NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"];

    private sealed record Stored(string Text, string Type, string Canonical, Schema? Avro);

    private readonly Lock _lock = new();
    private readonly List<Stored> _schemas = []; // id = index + 1
    private readonly Dictionary<string, int> _idsByCanonical = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, List<int>> _subjects = new(StringComparer.Ordinal); // version = index + 1
    private readonly Dictionary<string, string> _levels = new(StringComparer.Ordinal);
    private string _globalLevel = "BACKWARD";

    public (int, JsonNode) Register(string subject, JsonNode? body)
    {
        if (Parse(body) is not { } candidate)
        {
            return InvalidSchema(body);
        }

        lock (_lock)
        {
            var versions = _subjects.TryGetValue(subject, out var existing) ? existing : [];
            var same = versions.FirstOrDefault(id => _schemas[id - 1].Canonical == candidate.Canonical);
            if (same != 0)
            {
                return Ok(new JsonObject { ["id"] = same });
            }

            var problems = ProblemsAgainst(versions, LevelOf(subject), candidate);
            if (problems.Count > 0)
            {
                return Error(409, 409,
                    $"Schema being registered is incompatible with an earlier schema for subject \"{subject}\": {string.Join("; ", problems)}");
            }

            if (!_idsByCanonical.TryGetValue(candidate.Canonical, out var newId))
            {
                _schemas.Add(candidate);
                newId = _schemas.Count;
                _idsByCanonical.Add(candidate.Canonical, newId);
            }

            versions.Add(newId);
            _subjects[subject] = versions;
            return Ok(new JsonObject { ["id"] = newId });
        }
    }

    /// <param name="unreadFrom">Ids from here up are not known yet (a follower behind the leader).</param>
    public (int, JsonNode) SchemaById(string idText, int unreadFrom = int.MaxValue)
    {
        lock (_lock)
        {
            if (!int.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id < 1 || id > _schemas.Count || id >= unreadFrom)
            {
                return Error(404, 40403, "Schema not found");
            }

            var stored = _schemas[id - 1];
            var body = new JsonObject { ["schema"] = stored.Text };
            if (stored.Type != "AVRO")
            {
                body["schemaType"] = stored.Type;
            }

            return Ok(body);
        }
    }

    public (int, JsonNode) Subjects()
    {
        lock (_lock)
        {
            return Ok(new JsonArray(_subjects.Keys.Select(s => (JsonNode)JsonValue.Create(s)).ToArray()));
        }
    }

    public (int, JsonNode) Versions(string subject)
    {
        lock (_lock)
        {
            return _subjects.TryGetValue(subject, out var versions)
                ? Ok(new JsonArray(Enumerable.Range(1, versions.Count).Select(v => (JsonNode)JsonValue.Create(v)).ToArray()))
                : SubjectNotFound(subject);
        }
    }

    public (int, JsonNode) Version(string subject, string versionText)
    {
        lock (_lock)
        {
            if (FindVersion(subject, versionText, out var version, out var error) is not { } id)
            {
                return error;
            }

            var stored = _schemas[id - 1];
            var body = new JsonObject { ["subject"] = subject, ["version"] = version, ["id"] = id, ["schema"] = stored.Text };
            if (stored.Type != "AVRO")
            {
                body["schemaType"] = stored.Type;
            }

            return Ok(body);
        }
    }

    public (int, JsonNode) TestCompatibility(string subject, string versionText, JsonNode? body)
    {
        lock (_lock)
        {
            if (FindVersion(subject, versionText, out _, out var error) is not { } id)
            {
                return error;
            }

            if (Parse(body) is not { } candidate)
            {
                return InvalidSchema(body);
            }

            var problems = ProblemsAgainst([id], LevelOf(subject).Replace("_TRANSITIVE", "", StringComparison.Ordinal), candidate);
            return Ok(new JsonObject
            {
                ["is_compatible"] = problems.Count == 0,
                ["messages"] = new JsonArray(problems.Select(p => (JsonNode)JsonValue.Create(p)).ToArray()),
            });
        }
    }

    public (int, JsonNode) GetConfig(string? subject, bool defaultToGlobal)
    {
        lock (_lock)
        {
            if (subject is not null && _levels.TryGetValue(subject, out var level))
            {
                return Ok(new JsonObject { ["compatibilityLevel"] = level });
            }

            return subject is null || defaultToGlobal
                ? Ok(new JsonObject { ["compatibilityLevel"] = _globalLevel })
                : Error(404, 40408, $"Subject '{subject}' does not have subject-level compatibility configured");
        }
    }

    public (int, JsonNode) SetConfig(string? subject, JsonNode? body)
    {
        if (body?["compatibility"] is not JsonValue value || !value.TryGetValue<string>(out var level) || !Levels.Contains(level))
        {
            return Error(422, 42203, $"Invalid compatibility level. Valid values are {string.Join(", ", Levels)}");
        }

        lock (_lock)
        {
            if (subject is null)
            {
                _globalLevel = level;
            }
            else
            {
                _levels[subject] = level;
            }
        }

        return Ok(new JsonObject { ["compatibility"] = level });
    }

    private string LevelOf(string subject) => _levels.TryGetValue(subject, out var level) ? level : _globalLevel;

    private int? FindVersion(string subject, string versionText, out int version, out (int, JsonNode) error)
    {
        version = 0;
        error = default;
        if (!_subjects.TryGetValue(subject, out var versions))
        {
            error = SubjectNotFound(subject);
            return null;
        }

        if (versionText == "latest" || versionText == "-1")
        {
            version = versions.Count;
        }
        else if (!int.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out version) || version < 1)
        {
            error = Error(422, 42202, "The specified version is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
            return null;
        }

        if (version > versions.Count)
        {
            error = Error(404, 40402, $"Version {versionText} not found.");
            return null;
        }

        return versions[version - 1];
    }

    private List<string> ProblemsAgainst(List<int> versions, string level, Stored candidate)
    {
        if (level == "NONE" || versions.Count == 0 || candidate.Avro is null)
        {
            return [];
        }

        var against = level.EndsWith("_TRANSITIVE", StringComparison.Ordinal) ? versions : [versions[^1]];
        var problems = new List<string>();
        foreach (var previous in against.Select(id => _schemas[id - 1].Avro).OfType<Schema>())
        {
            if (level.StartsWith("BACKWARD", StringComparison.Ordinal) || level.StartsWith("FULL", StringComparison.Ordinal))
            {
                problems.AddRange(AvroCompatibility.ReadProblems(candidate.Avro, previous));
            }

            if (level.StartsWith("FORWARD", StringComparison.Ordinal) || level.StartsWith("FULL", StringComparison.Ordinal))
            {
                problems.AddRange(AvroCompatibility.ReadProblems(previous, candidate.Avro).Select(p => "old schema cannot read new data: " + p));
            }
        }

        return problems;
    }

    private static Stored? Parse(JsonNode? body)
    {
        try
        {
            var text = body?["schema"]?.GetValue<string>();
            var type = body?["schemaType"]?.GetValue<string>() ?? "AVRO";
            if (text is null)
            {
                return null;
            }

            if (type != "AVRO")
            {
                return new Stored(text, type, type + ":" + text, null);
            }

            var avro = Schema.Parse(text);
            return new Stored(text, type, avro.ToString(), avro);
        }
        catch (Exception)
        {
            // A non-string "schema", Apache.Avro's own exceptions and Newtonsoft's for malformed JSON all mean "invalid schema".
            return null;
        }
    }

    private static (int, JsonNode) InvalidSchema(JsonNode? body) =>
        Error(422, 42201, $"Invalid schema {body?["schema"]?.ToJsonString() ?? "(none)"}");

    private static (int, JsonNode) SubjectNotFound(string subject) => Error(404, 40401, $"Subject '{subject}' not found.");

    private static (int, JsonNode) Ok(JsonNode body) => (200, body);

    internal static (int, JsonNode) Error(int status, int code, string message) =>
        (status, new JsonObject { ["error_code"] = code, ["message"] = message });
}
