using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace StreamHeal.Dev.BigQuery;

/// <summary>
/// The BigQuery REST API v2 tables endpoints of the fake: get, insert (409 when the table exists) and patch (412 when
/// <c>If-Match</c> is not the table's etag, 400 for a change BigQuery refuses). Every dataset exists. Errors carry the
/// real error body, and <see cref="FakeBigQueryFaults.FailNextRest"/> injects any status.
/// </summary>
internal sealed class FakeTablesApi(FakeBigQueryStore store, FakeBigQueryFaults faults, FakeCallLog calls)
{
    private const string Tables = "/bigquery/v2/projects/{projectId}/datasets/{datasetId}/tables";

    public void Map(WebApplication app)
    {
        app.MapGet(Tables + "/{tableId}", Get);
        app.MapPost(Tables, InsertAsync);
        app.MapPatch(Tables + "/{tableId}", PatchAsync);
    }

    /// <summary>Records the call and answers with a scripted failure before any route runs.</summary>
    public async Task InjectFailuresAsync(HttpContext context, RequestDelegate next)
    {
        if (!context.Request.Path.StartsWithSegments("/bigquery"))
        {
            await next(context);
            return;
        }

        calls.RestRequests.Enqueue($"{context.Request.Method} {context.Request.Path}");
        if (context.Request.Headers.Authorization is { Count: > 0 } authorization)
        {
            calls.RestAuthorizations.Enqueue(authorization.ToString());
        }

        if (await faults.BeforeRestAsync(context.RequestAborted) is { } status)
        {
            await Injected(status).ExecuteAsync(context);
            return;
        }

        await next(context);
    }

    private IResult Get(string projectId, string datasetId, string tableId) =>
        store.GetTable(FakeTable.PathOf(projectId, datasetId, tableId)) is { } table
            ? Reply(HttpStatusCode.OK, FakeTableJson.Table(table))
            : NotFound(projectId, datasetId, tableId);

    private async Task<IResult> InsertAsync(string projectId, string datasetId, HttpRequest request)
    {
        var (table, error) = FakeTableJson.ParseTable(await ReadAsync(request));
        if (table is null)
        {
            return Invalid(error!);
        }

        if (string.IsNullOrEmpty(table.TableId) || (table.ProjectId ?? projectId) != projectId || (table.DatasetId ?? datasetId) != datasetId)
        {
            return Invalid("tableReference must name a tableId in the project and dataset of the request path.");
        }

        var schema = table.Schema ?? new();
        var name = $"{projectId}:{datasetId}.{table.TableId}";
        if (FakeSchemaRules.CheckNew(name, schema, table.PartitionField, table.Clustering) is { } refused)
        {
            return Invalid(refused);
        }

        return store.TryCreateTable(projectId, datasetId, table.TableId, schema, table.PartitionField, table.Clustering, table.Fields) is { } created
            ? Reply(HttpStatusCode.OK, FakeTableJson.Table(created))
            : Failure(HttpStatusCode.Conflict, "ALREADY_EXISTS", "duplicate", $"Already Exists: Table {name}");
    }

    private async Task<IResult> PatchAsync(string projectId, string datasetId, string tableId, HttpRequest request)
    {
        var (table, error) = FakeTableJson.ParseTable(await ReadAsync(request));
        if (table is null)
        {
            return Invalid(error!);
        }

        var ifMatch = request.Headers.IfMatch is { Count: > 0 } header ? header.ToString() : null;
        var (outcome, patched, refused) = store.PatchSchema(FakeTable.PathOf(projectId, datasetId, tableId), table.Fields, ifMatch);
        return outcome switch
        {
            FakePatchOutcome.Patched => Reply(HttpStatusCode.OK, FakeTableJson.Table(patched!)),
            FakePatchOutcome.NotFound => NotFound(projectId, datasetId, tableId),
            FakePatchOutcome.EtagMismatch => Failure(HttpStatusCode.PreconditionFailed, "FAILED_PRECONDITION", "conditionNotMet", refused!),
            _ => Invalid(refused!),
        };
    }

    private static async Task<JsonNode?> ReadAsync(HttpRequest request)
    {
        try
        {
            return await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static IResult NotFound(string projectId, string datasetId, string tableId) =>
        Failure(HttpStatusCode.NotFound, "NOT_FOUND", "notFound", $"Not found: Table {projectId}:{datasetId}.{tableId}");

    private static IResult Invalid(string message) => Failure(HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "invalid", message);

    /// <summary>A scripted failure, with the status and reason BigQuery gives for that HTTP code.</summary>
    private static IResult Injected(HttpStatusCode status) => status switch
    {
        HttpStatusCode.Forbidden => Failure(status, "PERMISSION_DENIED", "accessDenied", "Access Denied: Table: Permission bigquery.tables.get denied (injected)."),
        HttpStatusCode.TooManyRequests => Failure(status, "RESOURCE_EXHAUSTED", "rateLimitExceeded", "Exceeded rate limits (injected)."),
        HttpStatusCode.ServiceUnavailable => Failure(status, "UNAVAILABLE", "backendError", "The service is currently unavailable (injected)."),
        HttpStatusCode.Unauthorized => Failure(status, "UNAUTHENTICATED", "unauthorized", "Request had invalid authentication credentials (injected)."),
        _ => Failure(status, "INTERNAL", "internalError", $"Injected {(int)status}."),
    };

    private static IResult Failure(HttpStatusCode status, string grpcStatus, string reason, string message) =>
        Reply(status, FakeTableJson.Error((int)status, grpcStatus, reason, message));

    private static IResult Reply(HttpStatusCode status, JsonNode body) => Results.Text(body.ToJsonString(), "application/json; charset=UTF-8", null, (int)status);
}
