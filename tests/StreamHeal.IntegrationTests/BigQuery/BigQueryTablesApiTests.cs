using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using StreamHeal.Dev.BigQuery;
using StreamHeal.Sink.BigQuery;
using Xunit;

namespace StreamHeal.IntegrationTests.BigQuery;

/// <summary>The fake's REST tables endpoints on the wire: bodies, status codes and error shapes a client depends on.</summary>
public sealed class BigQueryTablesApiTests : IAsyncLifetime
{
    private const string Tables = "bigquery/v2/projects/fake/datasets/streamheal/tables";

    private readonly HttpClient _http = new();
    private FakeBigQuery _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeBigQuery.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task Insert_returns_the_table_resource_and_a_second_insert_is_409()
    {
        var body = """
            {"tableReference":{"projectId":"fake","datasetId":"streamheal","tableId":"orders"},
             "schema":{"fields":[{"name":"id","type":"INT64","mode":"REQUIRED"},{"name":"price","type":"FLOAT64"},{"name":"at","type":"TIMESTAMP"}]},
             "timePartitioning":{"type":"DAY","field":"at"},"clustering":{"fields":["id"]}}
            """;

        var (created, table) = await SendAsync(HttpMethod.Post, Tables, body);
        var (again, conflict) = await SendAsync(HttpMethod.Post, Tables, body);

        Assert.Equal(HttpStatusCode.OK, created);
        Assert.Equal("orders", (string?)table["tableReference"]!["tableId"]);
        Assert.False(string.IsNullOrEmpty((string?)table["etag"]));
        var fields = table["schema"]!["fields"]!.AsArray();
        Assert.Equal(["id:INTEGER:REQUIRED", "price:FLOAT:NULLABLE", "at:TIMESTAMP:NULLABLE"], fields.Select(field => $"{field!["name"]}:{field["type"]}:{field["mode"]}"));
        Assert.Equal("DAY", (string?)table["timePartitioning"]!["type"]);
        Assert.Equal("at", (string?)table["timePartitioning"]!["field"]);
        Assert.Equal("id", (string?)table["clustering"]!["fields"]![0]);
        AssertError(again, conflict, 409, "ALREADY_EXISTS", "duplicate");
        Assert.NotNull(_fake.Store.GetTable("projects/fake/datasets/streamheal/tables/orders"));
    }

    [Fact]
    public async Task A_missing_table_is_404_in_the_error_shape()
    {
        var (status, error) = await SendAsync(HttpMethod.Get, Tables + "/nothing", body: null);

        AssertError(status, error, 404, "NOT_FOUND", "notFound");
        Assert.Contains("fake:streamheal.nothing", (string?)error["error"]!["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_partition_field_that_is_no_timestamp_is_refused()
    {
        var body = """{"tableReference":{"tableId":"t"},"schema":{"fields":[{"name":"id","type":"STRING"}]},"timePartitioning":{"type":"DAY","field":"id"}}""";

        var (status, error) = await SendAsync(HttpMethod.Post, Tables, body);

        AssertError(status, error, 400, "INVALID_ARGUMENT", "invalid");
    }

    [Fact]
    public async Task Patch_adds_nullable_columns_with_the_current_etag_and_refuses_a_stale_one_or_a_breaking_change()
    {
        _fake.CreateTable("orders", BigQueryTestRows.Layout.ToTableSchema().ToFake());
        var (_, before) = await SendAsync(HttpMethod.Get, Tables + "/orders", body: null);
        var etag = (string)before["etag"]!;
        var fields = before["schema"]!["fields"]!.AsArray();

        var retyped = Schema(fields, replace: ("name", "INTEGER"));
        var (retypeStatus, retypeError) = await SendAsync(HttpMethod.Patch, Tables + "/orders", retyped, etag);
        var (removeStatus, removeError) = await SendAsync(HttpMethod.Patch, Tables + "/orders", Schema(fields, drop: "day"), etag);
        var (requiredStatus, _) = await SendAsync(HttpMethod.Patch, Tables + "/orders", Schema(fields, add: ("color", "STRING", "REQUIRED")), etag);
        var (addStatus, added) = await SendAsync(HttpMethod.Patch, Tables + "/orders", Schema(fields, add: ("color", "STRING", "NULLABLE")), etag);
        var (staleStatus, stale) = await SendAsync(HttpMethod.Patch, Tables + "/orders", Schema(fields, add: ("size", "INTEGER", "NULLABLE")), etag);

        AssertError(retypeStatus, retypeError, 400, "INVALID_ARGUMENT", "invalid");
        Assert.Contains("changed type from STRING to INTEGER", (string?)retypeError["error"]!["message"], StringComparison.Ordinal);
        AssertError(removeStatus, removeError, 400, "INVALID_ARGUMENT", "invalid");
        Assert.Contains("day is missing", (string?)removeError["error"]!["message"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, requiredStatus);
        Assert.Equal(HttpStatusCode.OK, addStatus);
        Assert.NotEqual(etag, (string?)added["etag"]);
        Assert.Equal("color", (string?)added["schema"]!["fields"]!.AsArray()[^1]!["name"]);
        AssertError(staleStatus, stale, 412, "FAILED_PRECONDITION", "conditionNotMet");
        // REST shows the column at once; the Storage Write side only after the propagation delay (3 s by default).
        Assert.Equal(1, _fake.Store.VisibleSchemaVersion("projects/fake/datasets/streamheal/tables/orders"));
        Assert.Equal(2, _fake.Store.SchemaHistory("projects/fake/datasets/streamheal/tables/orders").Count);
    }

    [Fact]
    public async Task Every_field_property_is_kept_as_sent_even_unknown_ones_and_a_patch_replaces_the_whole_list()
    {
        var sent = CustomerTable.Fields();
        var (created, _) = await SendAsync(HttpMethod.Post, Tables, Resource(sent, tableId: "orders"));
        var (_, read) = await SendAsync(HttpMethod.Get, Tables + "/orders", body: null);
        var withColor = (JsonArray)sent.DeepClone();
        withColor.Add(new JsonObject { ["name"] = "color", ["type"] = "STRING", ["mode"] = "NULLABLE" });
        var (addStatus, added) = await SendAsync(HttpMethod.Patch, Tables + "/orders", Resource(withColor), (string)read["etag"]!);
        // As in BigQuery, what a PATCH leaves out of a field is gone: here the name column's maxLength and policy tags.
        var stripped = (JsonArray)withColor.DeepClone();
        stripped[1]!.AsObject().Remove("maxLength");
        stripped[1]!.AsObject().Remove("policyTags");
        var (stripStatus, _) = await SendAsync(HttpMethod.Patch, Tables + "/orders", Resource(stripped), (string)added["etag"]!);
        var (_, last) = await SendAsync(HttpMethod.Get, Tables + "/orders", body: null);

        Assert.Equal(HttpStatusCode.OK, created);
        Assert.True(JsonNode.DeepEquals(sent, read["schema"]!["fields"]), read["schema"]!["fields"]!.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, addStatus);
        CustomerTable.AssertKeptAndAppended(sent, added["schema"]!["fields"]!.AsArray(), ["color"]);
        Assert.Equal(HttpStatusCode.OK, stripStatus);
        Assert.True(JsonNode.DeepEquals(stripped, last["schema"]!["fields"]), last["schema"]!["fields"]!.ToJsonString());
        var visible = _fake.Store.GetTable("projects/fake/datasets/streamheal/tables/orders")!.Schema;
        Assert.Equal(0, visible.Fields.Single(field => field.Name == "name").MaxLength);
        Assert.Equal(64, visible.Fields.Single(field => field.Name == "audit").Fields.Single(field => field.Name == "by").MaxLength);
    }

    [Fact]
    public async Task A_record_without_its_fields_is_refused_and_nested_fields_follow_the_column_rules()
    {
        var fields = CustomerTable.Fields();
        await SendAsync(HttpMethod.Post, Tables, Resource(fields, tableId: "orders"));
        var (_, read) = await SendAsync(HttpMethod.Get, Tables + "/orders", body: null);
        var etag = (string)read["etag"]!;

        var bare = Changed(fields, audit => audit.Remove("fields"));
        var nestedDropped = Changed(fields, audit => audit["fields"]!.AsArray().RemoveAt(0));
        var nestedRetyped = Changed(fields, audit => audit["fields"]![2]!["fields"]![0]!["type"] = "STRING");
        var nestedRequired = Changed(fields, audit => audit["fields"]!.AsArray().Add(new JsonObject { ["name"] = "why", ["type"] = "STRING", ["mode"] = "REQUIRED" }));
        var (bareStatus, bareError) = await SendAsync(HttpMethod.Patch, Tables + "/orders", Resource(bare), etag);
        var (droppedStatus, droppedError) = await SendAsync(HttpMethod.Patch, Tables + "/orders", Resource(nestedDropped), etag);
        var (retypedStatus, retypedError) = await SendAsync(HttpMethod.Patch, Tables + "/orders", Resource(nestedRetyped), etag);
        var (requiredStatus, _) = await SendAsync(HttpMethod.Patch, Tables + "/orders", Resource(nestedRequired), etag);
        var (newRecordStatus, newRecordError) = await SendAsync(HttpMethod.Post, Tables, Resource(new JsonArray(new JsonObject { ["name"] = "meta", ["type"] = "RECORD" }), tableId: "other"));
        // Adding a NULLABLE nested field and a REPEATED column is allowed.
        var grown = Changed(fields, audit => audit["fields"]!.AsArray().Add(new JsonObject { ["name"] = "why", ["type"] = "STRING", ["mode"] = "NULLABLE" }));
        grown.Add(new JsonObject { ["name"] = "labels", ["type"] = "STRING", ["mode"] = "REPEATED" });
        var (grownStatus, grownTable) = await SendAsync(HttpMethod.Patch, Tables + "/orders", Resource(grown), etag);

        AssertError(bareStatus, bareError, 400, "INVALID_ARGUMENT", "invalid");
        Assert.Contains("Field audit is type RECORD but has no schema", (string?)bareError["error"]!["message"], StringComparison.Ordinal);
        AssertError(droppedStatus, droppedError, 400, "INVALID_ARGUMENT", "invalid");
        Assert.Contains("Provided Schema does not match Table fake:streamheal.orders. Field audit.by is missing", (string?)droppedError["error"]!["message"], StringComparison.Ordinal);
        AssertError(retypedStatus, retypedError, 400, "INVALID_ARGUMENT", "invalid");
        Assert.Contains("audit.history.step has changed type from INTEGER to STRING", (string?)retypedError["error"]!["message"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, requiredStatus);
        AssertError(newRecordStatus, newRecordError, 400, "INVALID_ARGUMENT", "invalid");
        Assert.Contains("Field meta is type RECORD but has no schema", (string?)newRecordError["error"]!["message"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, grownStatus);
        Assert.True(JsonNode.DeepEquals(grown, grownTable["schema"]!["fields"]), grownTable["schema"]!["fields"]!.ToJsonString());
        Assert.Equal(2, _fake.Store.SchemaHistory("projects/fake/datasets/streamheal/tables/orders").Count);
    }

    [Fact]
    public async Task Scripted_rest_failures_answer_in_the_error_shape_then_heal()
    {
        _fake.CreateTable("orders", BigQueryTestRows.Layout.ToTableSchema().ToFake());
        _fake.Faults.FailNextRest(HttpStatusCode.ServiceUnavailable, 2);
        _fake.Faults.FailNextRest(HttpStatusCode.Forbidden, 1);

        var first = await SendAsync(HttpMethod.Get, Tables + "/orders", body: null);
        var second = await SendAsync(HttpMethod.Get, Tables + "/orders", body: null);
        var third = await SendAsync(HttpMethod.Get, Tables + "/orders", body: null);
        var healed = await SendAsync(HttpMethod.Get, Tables + "/orders", body: null);

        AssertError(first.Status, first.Body, 503, "UNAVAILABLE", "backendError");
        AssertError(second.Status, second.Body, 503, "UNAVAILABLE", "backendError");
        AssertError(third.Status, third.Body, 403, "PERMISSION_DENIED", "accessDenied");
        Assert.Equal(HttpStatusCode.OK, healed.Status);
        Assert.Equal(0, _fake.Faults.PendingRest);
        Assert.Equal(4, _fake.Calls.RestRequests.Count(request => request == "GET /" + Tables + "/orders"));
    }

    [Fact]
    public async Task A_table_created_over_rest_takes_appends_over_grpc()
    {
        var fields = BigQueryTestRows.Layout.ToTableSchema().ToFake().Fields.Select(field =>
            (JsonNode)new JsonObject { ["name"] = field.Name, ["type"] = FakeTableJson.TypeName(field.Type), ["mode"] = field.Mode.ToString().ToUpperInvariant() });
        var resource = new JsonObject
        {
            ["tableReference"] = new JsonObject { ["tableId"] = "orders" },
            ["schema"] = new JsonObject { ["fields"] = new JsonArray([.. fields]) },
        };
        var (status, _) = await SendAsync(HttpMethod.Post, Tables, resource.ToJsonString());
        using var client = new BigQueryWriteClient(new BigQueryWriteOptions { Endpoint = _fake.WriteEndpoint });

        var stream = await client.CreateCommittedStreamAsync("projects/fake/datasets/streamheal/tables/orders", CancellationToken.None);
        await using var connection = await client.OpenAppendAsync(stream.Name, BigQueryTestRows.Layout, CancellationToken.None);
        using var batch = BigQueryTestRows.Encode(0, 2);
        var response = await connection.AppendAsync(batch, 0);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(SinkErrorAction.None, SinkErrors.Classify(response));
        Assert.Equal(2, _fake.Store.RowsOf("projects/fake/datasets/streamheal/tables/orders").Count);
    }

    private async Task<(HttpStatusCode Status, JsonNode Body)> SendAsync(HttpMethod method, string path, string? body, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(_fake.RestEndpoint, path));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        using var response = await _http.SendAsync(request);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private static string Schema(JsonArray fields, (string Name, string Type)? replace = null, string? drop = null, (string Name, string Type, string Mode)? add = null)
    {
        var copy = new JsonArray();
        foreach (var field in fields)
        {
            var name = (string)field!["name"]!;
            if (name == drop)
            {
                continue;
            }

            var clone = field.DeepClone();
            if (replace is { } r && name == r.Name)
            {
                clone["type"] = r.Type;
            }

            copy.Add(clone);
        }

        if (add is { } a)
        {
            copy.Add(new JsonObject { ["name"] = a.Name, ["type"] = a.Type, ["mode"] = a.Mode });
        }

        return new JsonObject { ["schema"] = new JsonObject { ["fields"] = copy } }.ToJsonString();
    }

    /// <summary>A Table resource with <paramref name="fields"/>; with a tableReference when <paramref name="tableId"/> is given (insert).</summary>
    private static string Resource(JsonArray fields, string? tableId = null)
    {
        var resource = new JsonObject { ["schema"] = new JsonObject { ["fields"] = fields.DeepClone() } };
        if (tableId is not null)
        {
            resource["tableReference"] = new JsonObject { ["tableId"] = tableId };
        }

        return resource.ToJsonString();
    }

    /// <summary>A copy of <paramref name="fields"/> whose <c>audit</c> RECORD went through <paramref name="change"/>.</summary>
    private static JsonArray Changed(JsonArray fields, Action<JsonObject> change)
    {
        var copy = (JsonArray)fields.DeepClone();
        change(copy.Single(field => (string?)field!["name"] == "audit")!.AsObject());
        return copy;
    }

    private static void AssertError(HttpStatusCode status, JsonNode body, int code, string grpcStatus, string reason)
    {
        Assert.Equal(code, (int)status);
        var error = body["error"]!;
        Assert.Equal(code, (int)error["code"]!);
        Assert.Equal(grpcStatus, (string?)error["status"]);
        Assert.Equal(reason, (string?)error["errors"]![0]!["reason"]);
        Assert.False(string.IsNullOrEmpty((string?)error["message"]));
    }
}
