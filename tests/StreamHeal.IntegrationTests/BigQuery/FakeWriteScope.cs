using StreamHeal.Dev.BigQuery;
using StreamHeal.Sink.BigQuery;

namespace StreamHeal.IntegrationTests.BigQuery;

/// <summary>What most Storage Write tests start from: a running fake, a client of it, and an <c>orders</c> table of <see cref="BigQueryTestRows.Layout"/>.</summary>
internal sealed class FakeWriteScope : IAsyncDisposable
{
    private FakeWriteScope(FakeBigQuery fake, BigQueryWriteClient client, string table)
    {
        Fake = fake;
        Client = client;
        Table = table;
    }

    public FakeBigQuery Fake { get; }

    public BigQueryWriteClient Client { get; }

    /// <summary>The table's path.</summary>
    public string Table { get; }

    public static async Task<FakeWriteScope> StartAsync(FakeBigQueryOptions? options = null, Func<CancellationToken, ValueTask<string?>>? tokenProvider = null)
    {
        var fake = await FakeBigQuery.StartAsync(options);
        var client = new BigQueryWriteClient(new BigQueryWriteOptions { Endpoint = fake.WriteEndpoint }, tokenProvider);
        return new FakeWriteScope(fake, client, fake.CreateTable("orders", BigQueryTestRows.Layout.ToTableSchema().ToFake()));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Fake.DisposeAsync();
    }
}
