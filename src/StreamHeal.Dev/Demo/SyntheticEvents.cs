using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace StreamHeal.Dev.Demo;

/// <summary>The kinds of poison the generator mixes in; each must end in the DLQ.</summary>
public enum PoisonKind
{
    None,
    InvalidJson,
    InvalidUtf8,
    NotAnObject,
    Empty,
    Oversized,
    TooDeep,
}

/// <summary>How an event goes out when the generator has an Avro share: as JSON, as Avro, or as poison Avro.</summary>
public enum AvroForm
{
    None,
    Valid,
    /// <summary>Cut off inside the payload: must be dead-lettered as <c>truncated_avro</c>.</summary>
    Truncated,
    /// <summary>Framed with a schema id the registry never assigned: must be dead-lettered as <c>schema_not_found</c>.</summary>
    UnknownSchema,
}

/// <summary>
/// Mobile-SDK-like events for the demo, tests and benchmarks: several SDK versions that add fields over time,
/// nested objects, arrays, schema hazards at small shares and, at a configurable share, poison values of every kind.
/// Deterministic for a seed and an index, so any event can be regenerated.
/// </summary>
/// <remarks>
/// The hazards, none of them in the first <see cref="HazardFreeEvents"/> events (or the first tenth of a short run), so
/// the columns they collide with are typed by ordinary values first:
/// <list type="bullet">
/// <item>in-event case collision: <c>UserName</c> and <c>username</c> in one event (both go to <c>_quarantine</c>);</item>
/// <item>cross-event case collision: SDK 1 and 2 send <c>userId</c>, SDK 3 sends <c>UserId</c>;</item>
/// <item>type flips: <c>app_version</c> as an integer, <c>is_premium</c> as the string <c>"true"</c>/<c>"false"</c>;</item>
/// <item>leaf to object: <c>device.model</c> as <c>{"name", "year"}</c>, which flattens to the new columns
/// <c>device__model__name</c> and <c>device__model__year</c>, not a flip;</item>
/// <item>int to float: <c>session_seconds</c> sometimes as whole seconds. Under exact number inference the first value
/// decides; the hazard-free events always carry a fraction, so the column is FLOAT64 and whole seconds are widened
/// into it (an integer up to 2^53 fits a double exactly). Had an integer come first, the column would be INT64 and
/// every fraction after it a type flip.</item>
/// </list>
/// New fields per SDK version: 2 adds <c>tags</c>, <c>locale</c> and <c>network</c>; 3 adds <c>geo</c>,
/// <c>battery_pct</c>, <c>referrer</c> and <c>consent</c>.
/// At <paramref name="avroShare"/>, events that are not JSON poison go out as Avro instead (see <see cref="AvroAt"/>).
/// </remarks>
public sealed class SyntheticEvents(int seed, double poisonShare = 0.005, int oversizedBytes = 70 * 1024, double avroShare = 0)
{
    public const long HazardFreeEvents = 1_000;

    // Shares of the events after the hazard-free start, in thousandths.
    private const int InEventCollisionPerMille = 3;
    private const int AccountIdPerMille = 20;
    private const int PremiumAsStringPerMille = 2;
    private const int ModelAsObjectPerMille = 5;
    private const int WholeSecondsPerMille = 30;

    // Shares of the Avro events that are poison, in thousandths.
    private const int TruncatedAvroPerMille = 5;
    private const int UnknownSchemaAvroPerMille = 5;

    private static readonly string[] EventNames = ["app_open", "screen_view", "purchase", "add_to_cart", "login", "share"];
    private static readonly string[] Platforms = ["ios", "android"];
    private static readonly string[] Models = ["Pixel 8", "iPhone 15", "Galaxy S24", "iPhone 13", "Moto G"];
    private static readonly string[] Networks = ["wifi", "cellular", "offline"];
    private static readonly PoisonKind[] PoisonKinds =
        [PoisonKind.InvalidJson, PoisonKind.InvalidUtf8, PoisonKind.NotAnObject, PoisonKind.Empty, PoisonKind.Oversized, PoisonKind.TooDeep];

    /// <summary>Which poison (if any) event <paramref name="index"/> is.</summary>
    public PoisonKind PoisonAt(long index)
    {
        var random = new Random(Mix(seed, index, 17));
        return random.NextDouble() < poisonShare ? PoisonKinds[random.Next(PoisonKinds.Length)] : PoisonKind.None;
    }

    /// <summary>Whether event <paramref name="index"/> goes out as Avro (a share of the non-poison events), and which kind.</summary>
    public AvroForm AvroAt(long index)
    {
        if (avroShare <= 0 || PoisonAt(index) != PoisonKind.None)
        {
            return AvroForm.None;
        }

        // One mix instead of a Random per event: this runs for every event the demo produces.
        var mix = (uint)Mix(seed, index, 23);
        if (mix / 4_294_967_296.0 >= avroShare)
        {
            return AvroForm.None;
        }

        return (mix % 1000) switch
        {
            < TruncatedAvroPerMille => AvroForm.Truncated,
            < TruncatedAvroPerMille + UnknownSchemaAvroPerMille => AvroForm.UnknownSchema,
            _ => AvroForm.Valid,
        };
    }

    /// <summary>
    /// Event <paramref name="index"/> as JSON without its schema hazards: what an Avro writer schema can express.
    /// The Avro copy of an event is built from this, so both formats carry the same values into the same columns.
    /// </summary>
    public byte[] PlainEventAt(long index, long total) => Event(index, total, allowHazards: false);

    /// <summary>The value bytes of event <paramref name="index"/> of <paramref name="total"/>.</summary>
    public byte[] ValueAt(long index, long total)
    {
        var poison = PoisonAt(index);
        return poison == PoisonKind.None ? Event(index, total, allowHazards: true) : Poison(poison, index);
    }

    public byte[] Poison(PoisonKind kind, long index) => kind switch
    {
        PoisonKind.InvalidJson => Encoding.UTF8.GetBytes($"{{\"event\":\"broken\",\"n\":{index},"),
        PoisonKind.InvalidUtf8 => [(byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)'}'],
        PoisonKind.NotAnObject => Encoding.UTF8.GetBytes($"[{index},2,3]"),
        PoisonKind.Empty => [],
        PoisonKind.Oversized => Encoding.UTF8.GetBytes($"{{\"blob\":\"{new string('x', oversizedBytes)}\"}}"),
        PoisonKind.TooDeep => Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", 40)) + "1" + new string('}', 40)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    // HashCode.Combine is seeded per process; this mix (SplitMix64's finaliser) gives the same events in every run.
    private static int Mix(int seed, long index, int salt)
    {
        var z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)index * 0xBF58476D1CE4E5B9UL + (ulong)salt);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)(z ^ (z >> 31));
    }

    private byte[] Event(long index, long total, bool allowHazards)
    {
        var random = new Random(Mix(seed, index, 0));
        // Hazards and newer fields draw from their own stream so the fields above keep their values across versions.
        var extra = new Random(Mix(seed, index, 1));
        var hazards = allowHazards && index >= Math.Min(HazardFreeEvents, total / 10);
        // Later events come from newer SDKs, which add fields; old SDKs stay in the mix.
        var progress = total <= 1 ? 1.0 : index / (double)(total - 1);
        var sdk = random.NextDouble() < progress ? (random.NextDouble() < progress ? 3 : 2) : 1;
        var buffer = new ArrayBufferWriter<byte>(384);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("event", EventNames[random.Next(EventNames.Length)]);
            w.WriteString("event_id", $"{seed:x}-{index:x}");
            w.WriteNumber("ts", 1_700_000_000_000 + index);
            w.WriteString("user_id", $"u{random.Next(100_000)}");
            w.WriteString("sdk_version", $"{sdk}.{random.Next(10)}.{random.Next(10)}");
            // A few events send the build number as an integer: a type flip that goes to _quarantine.
            if (random.Next(1000) == 0 && hazards)
            {
                w.WriteNumber("app_version", random.Next(100, 999));
            }
            else
            {
                w.WriteString("app_version", $"4.{random.Next(20)}.{random.Next(100)}");
            }

            w.WriteStartObject("device");
            w.WriteString("platform", Platforms[random.Next(Platforms.Length)]);
            var model = Models[random.Next(Models.Length)];
            if (hazards && extra.Next(1000) < ModelAsObjectPerMille)
            {
                w.WriteStartObject("model");
                w.WriteString("name", model);
                w.WriteNumber("year", 2020 + extra.Next(5));
                w.WriteEndObject();
            }
            else
            {
                w.WriteString("model", model);
            }

            w.WriteStartObject("screen");
            w.WriteNumber("w", 1080 + random.Next(3) * 360);
            w.WriteNumber("h", 1920 + random.Next(3) * 640);
            w.WriteEndObject();
            w.WriteEndObject();
            var seconds = Math.Round(random.NextDouble() * 600, 3);
            if (hazards && extra.Next(1000) < WholeSecondsPerMille)
            {
                w.WriteNumber("session_seconds", (long)seconds);
            }
            else
            {
                // A whole number would be written without a fraction and could type the column INT64.
                w.WriteNumber("session_seconds", seconds == Math.Floor(seconds) ? seconds + 0.5 : seconds);
            }

            var premium = random.Next(4) == 0;
            if (hazards && extra.Next(1000) < PremiumAsStringPerMille)
            {
                w.WriteString("is_premium", premium ? "true" : "false");
            }
            else
            {
                w.WriteBoolean("is_premium", premium);
            }

            if (hazards && extra.Next(1000) < InEventCollisionPerMille)
            {
                w.WriteString("UserName", $"name{extra.Next(1000)}");
                w.WriteString("username", $"name{extra.Next(1000)}");
            }

            if (hazards && extra.Next(1000) < AccountIdPerMille)
            {
                // SDK 3 renamed the field's spelling; the table already has the old one.
                w.WriteString(sdk >= 3 ? "UserId" : "userId", $"acct-{extra.Next(100_000)}");
            }

            if (sdk >= 2)
            {
                w.WriteStartArray("tags");
                for (var t = random.Next(4); t > 0; t--)
                {
                    w.WriteStringValue("t" + random.Next(20).ToString(CultureInfo.InvariantCulture));
                }

                w.WriteEndArray();
                w.WriteString("locale", random.Next(2) == 0 ? "en-US" : "de-DE");
                w.WriteString("network", Networks[extra.Next(Networks.Length)]);
            }

            if (sdk >= 3)
            {
                w.WriteStartObject("geo");
                w.WriteNumber("lat", Math.Round(random.NextDouble() * 180 - 90, 5));
                w.WriteNumber("lon", Math.Round(random.NextDouble() * 360 - 180, 5));
                w.WriteEndObject();
                w.WriteNumber("battery_pct", random.Next(101));
                w.WriteNull("referrer");
                w.WriteStartObject("consent");
                w.WriteBoolean("analytics", extra.Next(2) == 0);
                w.WriteBoolean("ads", extra.Next(3) == 0);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
