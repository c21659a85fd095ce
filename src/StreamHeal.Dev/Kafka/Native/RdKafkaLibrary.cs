using System.Runtime.InteropServices;

namespace StreamHeal.Dev.Kafka.Native;

/// <summary>
/// Points this assembly's <c>librdkafka</c> imports at the very file Confluent.Kafka loaded, so the mock
/// cluster and the clients share one native library (and one set of globals).
/// </summary>
internal static class RdKafkaLibrary
{
    public const string Name = "librdkafka";

    // SetDllImportResolver throws when called twice for one assembly; Lazy makes the registration once-only.
    private static readonly Lazy<nint> s_handle = new(LoadAndRegister, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Loads the library (once) and registers the resolver. Throws <see cref="DllNotFoundException"/>.</summary>
    public static void EnsureResolved() => _ = s_handle.Value;

    private static nint LoadAndRegister()
    {
        // Reading the version forces Confluent.Kafka to pick and load its native library first,
        // including its fallback from librdkafka.so to centos8-librdkafka.so.
        _ = Confluent.Kafka.Library.Version;

        var handle = LoadConfluentsLibrary();
        NativeLibrary.SetDllImportResolver(
            typeof(RdKafkaLibrary).Assembly,
            (libraryName, _, _) => libraryName == Name ? handle : 0);
        return handle;
    }

    private static nint LoadConfluentsLibrary()
    {
        var tried = new List<string>();
        foreach (var candidate in Candidates())
        {
            tried.Add(candidate);
            if (NativeLibrary.TryLoad(candidate, out var handle) && NativeLibrary.TryGetExport(handle, "rd_kafka_mock_cluster_new", out _))
            {
                return handle;
            }
        }

        throw new DllNotFoundException(
            "Could not load the librdkafka that Confluent.Kafka uses (needed for the mock cluster). Tried: "
            + (tried.Count == 0 ? "(no candidate files found)" : string.Join(", ", tried)));
    }

    private static IEnumerable<string> Candidates()
    {
        foreach (var mapped in MappedRdKafkaFiles())
        {
            yield return mapped;
        }

        var confluentDir = Path.GetDirectoryName(typeof(Confluent.Kafka.Library).Assembly.Location);
        if (string.IsNullOrEmpty(confluentDir))
        {
            yield break;
        }

        var nativeDir = Path.Combine(confluentDir, "runtimes", RuntimeInformation.RuntimeIdentifier, "native");
        // Same preference order as Confluent.Kafka: the plain build first, then the self-contained fallbacks.
        foreach (var file in new[] { "librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so", "librdkafka.dylib", "librdkafka.dll" })
        {
            var path = Path.Combine(nativeDir, file);
            if (File.Exists(path))
            {
                yield return path;
            }
        }
    }

    /// <summary>Files named like *librdkafka* that are already mapped into this process (Linux only).</summary>
    private static IEnumerable<string> MappedRdKafkaFiles()
    {
        const string maps = "/proc/self/maps";
        if (!OperatingSystem.IsLinux() || !File.Exists(maps))
        {
            return [];
        }

        var found = new List<string>();
        foreach (var line in File.ReadLines(maps))
        {
            var slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                continue;
            }

            var path = line[slash..];
            if (Path.GetFileName(path).Contains("librdkafka", StringComparison.Ordinal) && !found.Contains(path))
            {
                found.Add(path);
            }
        }

        return found;
    }
}
