using Google.Protobuf;
using Library = StreamHeal.Sink.BigQuery.Protos;

namespace StreamHeal.IntegrationTests.BigQuery;

/// <summary>
/// The library (client stubs) and the fake (server stubs) compile the same Storage Write protos into two namespaces, so a
/// schema the library builds is handed to the fake through its wire form, which is one.
/// </summary>
internal static class ProtoConversions
{
    public static Dev.BigQuery.Protos.TableSchema ToFake(this Library.TableSchema schema) => Convert<Dev.BigQuery.Protos.TableSchema>(schema);

    private static T Convert<T>(IMessage message) where T : IMessage<T>, new()
    {
        var converted = new T();
        converted.MergeFrom(message.ToByteString());
        return converted;
    }
}
