using Avro;
using StreamHeal.Decode.Avro;
using Xunit;
using StreamHeal.Records;

namespace StreamHeal.Tests.Decode.Avro;

public sealed class AvroDecodersTests
{
    private const string Schema1 = """{"type":"record","name":"A","fields":[{"name":"x","type":"int"}]}""";
    private const string Schema2 = """{"type":"record","name":"B","fields":[{"name":"y","type":"string"}]}""";

    [Fact]
    public void One_flattener_per_schema_id()
    {
        var decoders = new AvroDecoders(new FlattenOptions());
        var first = decoders.GetOrAdd(1, Schema1);

        Assert.Same(first, decoders.GetOrAdd(1, Schema1));
        Assert.NotSame(first, decoders.GetOrAdd(2, Schema2));
        Assert.Equal(2, decoders.Count);
        Assert.Equal(AvroDecoders.DefaultCapacity, decoders.Capacity);
    }

    [Fact]
    public void Past_capacity_the_oldest_is_dropped_and_rebuilt_on_return()
    {
        var decoders = new AvroDecoders(new FlattenOptions(), capacity: 2);
        var oldest = decoders.GetOrAdd(1, Schema1);
        decoders.GetOrAdd(2, Schema2);
        decoders.GetOrAdd(3, Schema2);

        Assert.Equal(2, decoders.Count);
        Assert.NotSame(oldest, decoders.GetOrAdd(1, Schema1));
        Assert.Equal(2, decoders.Count);
    }

    [Fact]
    public void A_bad_schema_throws_and_is_not_cached()
    {
        var decoders = new AvroDecoders(new FlattenOptions());

        Assert.ThrowsAny<AvroException>(() => decoders.GetOrAdd(5, "{not json"));
        Assert.Throws<ArgumentException>(() => decoders.GetOrAdd(6, "\"long\""));
        Assert.Equal(0, decoders.Count);
        Assert.Single(decoders.GetOrAdd(5, Schema1).Flatten([2]));
    }

    [Fact]
    public void Concurrent_first_uses_of_one_id_share_one_flattener()
    {
        var decoders = new AvroDecoders(new FlattenOptions());
        var seen = new AvroFlattener[64];
        Parallel.For(0, seen.Length, i => seen[i] = decoders.GetOrAdd(9, Schema1));

        Assert.Single(seen.Distinct());
    }
}
