using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace StreamHeal.Demo;

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

/// <summary>
/// Mobile-SDK-like events for the demo, tests and benchmarks: several SDK versions that add fields over time,
/// nested objects, arrays, an occasional type flip (which lands in <c>_quarantine</c>) and, at a configurable
/// share, poison values of every kind. Deterministic for a seed and an index, so any event can be regenerated.
/// </summary>
public sealed class SyntheticEvents(int seed, double poisonShare = 0.005, int oversizedBytes = 70 * 1024)
{
    private static readonly string[] EventNames = ["app_open", "screen_view", "purchase", "add_to_cart", "login", "share"];
    private static readonly string[] Platforms = ["ios", "android"];
    private static readonly string[] Models = ["Pixel 8", "iPhone 15", "Galaxy S24", "iPhone 13", "Moto G"];
    private static readonly PoisonKind[] PoisonKinds =
        [PoisonKind.InvalidJson, PoisonKind.InvalidUtf8, PoisonKind.NotAnObject, PoisonKind.Empty, PoisonKind.Oversized, PoisonKind.TooDeep];

    /// <summary>Which poison (if any) event <paramref name="index"/> is.</summary>
    public PoisonKind PoisonAt(long index)
    {
        var random = new Random(Mix(seed, index, 17));
        return random.NextDouble() < poisonShare ? PoisonKinds[random.Next(PoisonKinds.Length)] : PoisonKind.None;
    }

    /// <summary>The value bytes of event <paramref name="index"/> of <paramref name="total"/>.</summary>
    public byte[] ValueAt(long index, long total)
    {
        var poison = PoisonAt(index);
        return poison == PoisonKind.None ? Event(index, total) : Poison(poison, index);
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

    private byte[] Event(long index, long total)
    {
        var random = new Random(Mix(seed, index, 0));
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
            if (random.Next(1000) == 0)
            {
                w.WriteNumber("app_version", random.Next(100, 999));
            }
            else
            {
                w.WriteString("app_version", $"4.{random.Next(20)}.{random.Next(100)}");
            }

            w.WriteStartObject("device");
            w.WriteString("platform", Platforms[random.Next(Platforms.Length)]);
            w.WriteString("model", Models[random.Next(Models.Length)]);
            w.WriteStartObject("screen");
            w.WriteNumber("w", 1080 + random.Next(3) * 360);
            w.WriteNumber("h", 1920 + random.Next(3) * 640);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteNumber("session_seconds", Math.Round(random.NextDouble() * 600, 3));
            w.WriteBoolean("is_premium", random.Next(4) == 0);
            if (sdk >= 2)
            {
                w.WriteStartArray("tags");
                for (var t = random.Next(4); t > 0; t--)
                {
                    w.WriteStringValue("t" + random.Next(20).ToString(CultureInfo.InvariantCulture));
                }

                w.WriteEndArray();
                w.WriteString("locale", random.Next(2) == 0 ? "en-US" : "de-DE");
            }

            if (sdk >= 3)
            {
                w.WriteStartObject("geo");
                w.WriteNumber("lat", Math.Round(random.NextDouble() * 180 - 90, 5));
                w.WriteNumber("lon", Math.Round(random.NextDouble() * 360 - 180, 5));
                w.WriteEndObject();
                w.WriteNumber("battery_pct", random.Next(101));
                w.WriteNull("referrer");
            }

            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
