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

    [Fact]
    public void Options_are_validated_when_the_client_is_built_and_the_secret_stays_out_of_messages()
    {
        Assert.Throws<System.ComponentModel.DataAnnotations.ValidationException>(() => new SchemaRegistryClient(new SchemaRegistryOptions()));
        Assert.Throws<System.ComponentModel.DataAnnotations.ValidationException>(
            () => new SchemaRegistryClient(new SchemaRegistryOptions { Url = "http://localhost:8081", CacheCapacity = 0 }));
        var error = Assert.Throws<ArgumentException>(
            () => new SchemaRegistryClient(new SchemaRegistryOptions { Url = "http://localhost:8081", BasicAuthUserInfo = "no-colon-secret" }));
        Assert.DoesNotContain("no-colon-secret", error.Message, StringComparison.Ordinal);
    }
}
