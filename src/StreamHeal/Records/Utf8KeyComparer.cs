using System.IO.Hashing;
using System.Security.Cryptography;

namespace StreamHeal.Records;

/// <summary>
/// Compares byte-array keys by content and lets a dictionary be searched with a span, so a lookup by the bytes of an
/// event allocates nothing; only an added key is copied into an array.
/// </summary>
/// <remarks>
/// Hashes with XXH3, which reads the key in vector-sized blocks: every field of every event is looked up by its path,
/// and <see cref="HashCode.AddBytes"/> (four bytes per round) was 6 % of the pipeline's CPU. The seed is random per
/// process, as <see cref="HashCode"/>'s is, because the keys come from event data.
/// </remarks>
internal sealed class Utf8KeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static readonly Utf8KeyComparer Instance = new(RandomNumberGenerator.GetInt32(int.MaxValue));

    private readonly long _seed;

    private Utf8KeyComparer(long seed) => _seed = seed;

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] obj) => GetHashCode(obj.AsSpan());

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => (int)XxHash3.HashToUInt64(alternate, _seed);

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
}
