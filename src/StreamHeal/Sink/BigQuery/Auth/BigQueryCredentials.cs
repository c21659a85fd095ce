using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Responses;

namespace StreamHeal.Sink.BigQuery.Auth;

/// <summary>
/// Builds the access-token provider both BigQuery clients call before each request, from <c>sink.bigquery.auth</c>.
/// Google.Apis.Auth caches the token and fetches a new one before the old expires, so asking per request costs a
/// lookup, not a round trip.
/// </summary>
internal static class BigQueryCredentials
{
    public const string Scope = "https://www.googleapis.com/auth/bigquery";

    /// <returns>
    /// Null for <c>none</c> (no authorization header, for the fake and emulators); otherwise a provider of OAuth access
    /// tokens for <see cref="Scope"/> from the service-account key at <see cref="BigQuerySinkOptions.CredentialsFile"/>
    /// (<c>file</c>) or from Application Default Credentials (<c>adc</c>).
    /// </returns>
    /// <exception cref="InvalidOperationException">The credentials cannot be loaded; the message names the setting.</exception>
    public static async Task<Func<CancellationToken, ValueTask<string?>>?> CreateTokenProviderAsync(BigQuerySinkOptions options, CancellationToken cancellationToken)
    {
        var credential = options.Auth.ToLowerInvariant() switch
        {
            "none" => null,
            "file" => await FromFileAsync(options.CredentialsFile, cancellationToken).ConfigureAwait(false),
            "adc" => await ApplicationDefaultAsync(cancellationToken).ConfigureAwait(false),
            _ => throw new InvalidOperationException($"sink.bigquery.auth '{options.Auth}' is not supported; use 'adc', 'file' or 'none'."),
        };
        if (credential is null)
        {
            return null;
        }

        ITokenAccess access = credential.CreateScoped(Scope).UnderlyingCredential;
        return cancel => GetTokenAsync(access, options.Auth, cancel);
    }

    /// <exception cref="SinkUnavailableException">No token could be had; the caller retries as for any BigQuery outage.</exception>
    private static async ValueTask<string?> GetTokenAsync(ITokenAccess access, string auth, CancellationToken cancellationToken)
    {
        try
        {
            return await access.GetAccessTokenForRequestAsync(authUri: null, cancellationToken).ConfigureAwait(false);
        }
        catch (TokenResponseException e)
        {
            throw new SinkUnavailableException($"The token endpoint refused sink.bigquery.auth '{auth}' credentials ({e.Error?.Error}: {e.Error?.ErrorDescription}); check the key or its service account.", e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new SinkUnavailableException($"Cannot reach the OAuth token endpoint for sink.bigquery.auth '{auth}': {e.Message}", e);
        }
    }

    private static async Task<GoogleCredential> FromFileAsync(string? path, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new InvalidOperationException("sink.bigquery.auth is 'file' but sink.bigquery.credentialsFile is not set: give the path of a service-account JSON key.");
        }

        try
        {
            // Only a service-account key is accepted: loading any credential type from a configured file is what
            // Google deprecated GoogleCredential.FromFile for.
            return await CredentialFactory.FromFileAsync(path, JsonCredentialParameters.ServiceAccountCredentialType, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException or Newtonsoft.Json.JsonException)
        {
            throw new InvalidOperationException($"sink.bigquery.credentialsFile '{path}' is not a readable service-account JSON key: {e.Message}", e);
        }
    }

    private static async Task<GoogleCredential> ApplicationDefaultAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await GoogleCredential.GetApplicationDefaultAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException(
                $"sink.bigquery.auth is 'adc' but no Application Default Credentials were found ({e.Message}). Set GOOGLE_APPLICATION_CREDENTIALS, run on Google Cloud, or use auth 'file'.", e);
        }
    }
}
