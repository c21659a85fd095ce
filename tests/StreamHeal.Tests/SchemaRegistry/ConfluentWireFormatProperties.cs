using System.Buffers;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using StreamHeal.SchemaRegistry;

namespace StreamHeal.Tests.SchemaRegistry;

public sealed class ConfluentWireFormatProperties
{
    private static Gen<byte[]> Bytes(int maxLength) =>
        Gen.Choose(0, maxLength).SelectMany(length => ArbMap.Default.GeneratorFor<byte>().ArrayOf(length));

    [Property(MaxTest = 500)]
    public Property Write_then_read_round_trips_any_id_and_payload() =>
        Prop.ForAll(
            Gen.Zip(ArbMap.Default.GeneratorFor<int>(), Bytes(64)).ToArbitrary(),
            static input =>
            {
                var (schemaId, payload) = input;
                var buffer = new ArrayBufferWriter<byte>();
                ConfluentWireFormat.Write(buffer, schemaId);
                buffer.Write(payload);

                return ConfluentWireFormat.TryReadHeader(buffer.WrittenSpan, out var readId, out var readPayload)
                    && readId == schemaId
                    && readPayload.SequenceEqual(payload);
            });

    [Property(MaxTest = 500)]
    public Property Values_shorter_than_the_header_or_without_magic_byte_zero_are_rejected() =>
        Prop.ForAll(
            Bytes(16).Where(static value => value.Length < ConfluentWireFormat.HeaderLength || value[0] != 0).ToArbitrary(),
            static value =>
            {
                var ok = ConfluentWireFormat.TryReadHeader(value, out _, out _, out var failure);
                var expected = value.Length < ConfluentWireFormat.HeaderLength
                    ? WireFormatFailure.TooShort
                    : WireFormatFailure.UnknownMagicByte;
                return !ok && failure == expected && ConfluentWireFormat.DescribeFailure(value).Length > 0;
            });
}
