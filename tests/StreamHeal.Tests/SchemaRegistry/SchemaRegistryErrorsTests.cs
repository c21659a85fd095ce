using System.Net;
using StreamHeal.SchemaRegistry;
using Xunit;

namespace StreamHeal.Tests.SchemaRegistry;

public sealed class SchemaRegistryErrorsTests
{
    [Theory]
    [InlineData(HttpStatusCode.NotFound, 40401, typeof(SubjectNotFoundException))]
    [InlineData(HttpStatusCode.NotFound, 40402, typeof(VersionNotFoundException))]
    [InlineData(HttpStatusCode.NotFound, 40403, typeof(SchemaNotFoundException))]
    [InlineData(HttpStatusCode.Conflict, 409, typeof(IncompatibleSchemaException))]
    [InlineData(HttpStatusCode.UnprocessableEntity, 42201, typeof(InvalidSchemaException))]
    [InlineData(HttpStatusCode.UnprocessableEntity, 42202, typeof(SchemaRegistryException))]
    [InlineData(HttpStatusCode.Unauthorized, 401, typeof(SchemaRegistryException))]
    [InlineData(HttpStatusCode.InternalServerError, 50001, typeof(SchemaRegistryUnavailableException))]
    [InlineData(HttpStatusCode.BadGateway, 502, typeof(SchemaRegistryUnavailableException))]
    [InlineData(HttpStatusCode.TooManyRequests, 42901, typeof(SchemaRegistryUnavailableException))]
    public void Each_response_maps_to_one_exception_type(HttpStatusCode status, int errorCode, Type expected)
    {
        var error = SchemaRegistryErrors.FromResponse(status, errorCode, "message", "GET /x");

        Assert.Equal(expected, error.GetType());
        Assert.Equal((status, errorCode), (error.HttpStatus, error.ErrorCode));
        Assert.Equal((int)status >= 500 || status == HttpStatusCode.TooManyRequests, error.IsTransient);
    }

    [Fact]
    public void Transport_failures_are_transient_and_other_exceptions_are_not()
    {
        Assert.True(SchemaRegistryErrors.IsTransient(new HttpRequestException("refused")));
        Assert.True(SchemaRegistryErrors.IsTransient(new TimeoutException()));
        Assert.True(SchemaRegistryErrors.IsTransient(new SchemaRegistryUnavailableException("down", null, 0)));
        Assert.False(SchemaRegistryErrors.IsTransient(new InvalidOperationException()));
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound, 40401, typeof(SubjectNotFoundException))]
    [InlineData(HttpStatusCode.NotFound, 40402, typeof(VersionNotFoundException))]
    [InlineData(HttpStatusCode.NotFound, 40403, typeof(SchemaNotFoundException))]
    [InlineData(HttpStatusCode.Conflict, 409, typeof(IncompatibleSchemaException))]
    [InlineData(HttpStatusCode.UnprocessableEntity, 42201, typeof(InvalidSchemaException))]
    [InlineData(HttpStatusCode.Unauthorized, 401, typeof(SchemaRegistryException))]
    [InlineData(HttpStatusCode.NotImplemented, 50101, typeof(SchemaRegistryUnavailableException))]
    [InlineData(HttpStatusCode.TooManyRequests, 42901, typeof(SchemaRegistryUnavailableException))]
    public void Confluent_error_responses_map_to_the_same_types(HttpStatusCode status, int errorCode, Type expected)
    {
        var confluent = new Confluent.SchemaRegistry.SchemaRegistryException("Subject 'x' not found.", status, errorCode);

        var error = SchemaRegistryErrors.Classify(confluent, "GET /x", TimeSpan.FromSeconds(1));

        Assert.NotNull(error);
        Assert.Equal(expected, error.GetType());
        Assert.Equal((status, errorCode), (error.HttpStatus, error.ErrorCode));
        Assert.Equal(SchemaRegistryErrors.IsTransient(confluent), error.IsTransient);
        Assert.Equal(1, CountOf("error_code", error.Message));
    }

    [Fact]
    public void Connection_failures_and_timeouts_are_unavailable_and_anything_else_is_left_alone()
    {
        var refused = SchemaRegistryErrors.Classify(new HttpRequestException("[http://r1:8081/] HttpRequestException: Connection refused"), "GET /x", TimeSpan.FromSeconds(1));
        var timedOut = SchemaRegistryErrors.Classify(new TaskCanceledException("timeout", new TimeoutException()), "GET /x", TimeSpan.FromSeconds(2.5));
        var bareUnauthorized = SchemaRegistryErrors.Classify(new HttpRequestException("Unauthorized"), "GET /x", TimeSpan.FromSeconds(1));

        Assert.IsType<SchemaRegistryUnavailableException>(refused);
        Assert.Contains("r1:8081", refused.Message, StringComparison.Ordinal);
        Assert.IsType<SchemaRegistryUnavailableException>(timedOut);
        Assert.Contains("schemaRegistry.requestTimeout (2.5 s)", timedOut.Message, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.Unauthorized, false), (bareUnauthorized!.HttpStatus, bareUnauthorized.IsTransient));
        Assert.Null(SchemaRegistryErrors.Classify(new InvalidOperationException(), "GET /x", TimeSpan.FromSeconds(1)));
    }

    [Theory]
    [InlineData("", "schemaRegistry.url")]
    [InlineData("localhost:8081", "schemaRegistry.url")]
    [InlineData("http://a:8081, ftp://b", "schemaRegistry.url")]
    [InlineData(" , ", "schemaRegistry.url")]
    public void Invalid_urls_are_refused_naming_the_setting(string url, string setting)
    {
        var error = Assert.ThrowsAny<System.ComponentModel.DataAnnotations.ValidationException>(
            () => SchemaRegistryClients.Create(new SchemaRegistryOptions { Url = url }));

        Assert.Contains(url.Length == 0 ? "Url" : setting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_are_validated_when_the_client_is_built_and_the_secret_stays_out_of_messages()
    {
        Assert.Throws<System.ComponentModel.DataAnnotations.ValidationException>(
            () => SchemaRegistryClients.Create(new SchemaRegistryOptions { Url = "http://localhost:8081", CacheCapacity = 0 }));
        Assert.Throws<System.ComponentModel.DataAnnotations.ValidationException>(
            () => SchemaRegistryClients.Create(new SchemaRegistryOptions { Url = "http://localhost:8081", NotFoundGrace = TimeSpan.FromSeconds(-1) }));
        Assert.Throws<System.ComponentModel.DataAnnotations.ValidationException>(
            () => SchemaRegistryClients.Create(new SchemaRegistryOptions { Url = "http://localhost:8081", NotFoundGrace = TimeSpan.FromMinutes(2) }));
        var error = Assert.Throws<System.ComponentModel.DataAnnotations.ValidationException>(
            () => SchemaRegistryClients.Create(new SchemaRegistryOptions { Url = "http://localhost:8081", BasicAuthUserInfo = "no-colon-secret" }));
        var both = Assert.Throws<System.ComponentModel.DataAnnotations.ValidationException>(
            () => SchemaRegistryClients.Create(new SchemaRegistryOptions { Url = "http://localhost:8081", BasicAuthUserInfo = "u:p", BearerAuthToken = "t" }));
        using var several = SchemaRegistryClients.Create(new SchemaRegistryOptions { Url = "http://a:8081, https://b:8081", BearerAuthToken = "token" });

        Assert.Contains("schemaRegistry.basicAuthUserInfo", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("no-colon-secret", error.Message, StringComparison.Ordinal);
        Assert.Contains("schemaRegistry.bearerAuthToken", both.Message, StringComparison.Ordinal);
    }

    private static int CountOf(string word, string text) => text.Split(word).Length - 1;
}
