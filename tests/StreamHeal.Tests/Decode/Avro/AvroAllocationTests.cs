using Avro;
using Avro.Generic;
using StreamHeal.Decode.Avro;
using Xunit;
using static StreamHeal.Tests.Decode.Avro.AvroTestData;
using StreamHeal.Records;

namespace StreamHeal.Tests.Decode.Avro;

public sealed class AvroAllocationTests
{
    [Fact]
    public void A_warm_decode_allocates_only_the_row()
    {
        var schema = Record("""
            {"name":"id","type":"long"},{"name":"score","type":"double"},{"name":"ok","type":"boolean"},
            {"name":"kind","type":{"type":"enum","name":"K","symbols":["A","B"]}},
            {"name":"opt","type":["null","int"]},
            {"name":"user","type":{"type":"record","name":"U","fields":[{"name":"name","type":"string"},{"name":"age","type":"int"}]}}
            """);
        var user = (RecordSchema)schema.Fields[5].Schema;
        var payload = Encode(schema, Build(schema,
            ("id", 42L), ("score", 0.5), ("ok", true), ("kind", new GenericEnum((EnumSchema)schema.Fields[3].Schema, "B")),
            ("opt", 7), ("user", Build(user, ("name", "abcdefgh"), ("age", 30)))));
        var flattener = new AvroFlattener(schema, new FlattenOptions());
        flattener.Flatten(payload);

        const int Runs = 100;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Runs; i++)
        {
            flattener.Flatten(payload);
        }

        var perDecode = (GC.GetAllocatedBytesForCurrentThread() - before) / Runs;

        // FlatRow (~40 B) + 7 fields of 24 B in its array (~190 B); the string value is shared from the column's cache.
        Assert.InRange(perDecode, 1, 260);
    }

    [Fact]
    public void A_string_no_column_shares_stays_in_the_records_array()
    {
        var schema = Record("""{"name":"id","type":"string"},{"name":"kind","type":"string"}""");
        var flattener = new AvroFlattener(schema, new FlattenOptions());
        var id = new string('x', 100);
        var payload = Encode(schema, Build(schema, ("id", id), ("kind", "click")));
        var framed = new byte[5 + payload.Length];
        payload.CopyTo(framed, 5);

        var row = flattener.Flatten(framed, 5);

        // Too long to share: its bytes in the array (after the header and its two-byte length), read back as its text.
        Assert.True(row[0].Value.TryGetUtf8(out var utf8));
        Assert.True(System.Runtime.CompilerServices.Unsafe.AreSame(
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(utf8), ref framed[5 + 2]));
        Assert.Equal(id, row[0].Value.AsText);
        // Short, so shared by the column: a string.
        Assert.False(row[1].Value.TryGetUtf8(out _));
        Assert.Equal("click", row[1].Value.AsText);

        // Copied when read from a span: nothing may outlive it.
        Assert.False(flattener.Flatten(payload.AsSpan())[0].Value.TryGetUtf8(out _));
    }
}
