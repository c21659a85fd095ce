using System.Runtime.InteropServices;

namespace StreamHeal.Throughput;

/// <summary>Gives the C heap's free memory back to the kernel between runs (glibc only; a no-op elsewhere).</summary>
internal static partial class NativeHeap
{
    public static void Trim()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            _ = malloc_trim(0);
        }
        catch (EntryPointNotFoundException)
        {
            // Not glibc (musl has no malloc_trim): the peak then includes what earlier runs freed.
        }
    }

    [LibraryImport("libc")]
    private static partial int malloc_trim(nuint pad);
}
