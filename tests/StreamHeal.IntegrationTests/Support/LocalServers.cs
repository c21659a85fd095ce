using System.Net;

namespace StreamHeal.IntegrationTests.Support;

/// <summary>What the fixtures of local servers (Prometheus, Alertmanager) share.</summary>
public static class LocalServers
{
    /// <summary>True when <paramref name="path"/> answers 200; false while the server does not listen yet.</summary>
    public static async Task<bool> AnswersOkAsync(HttpClient http, string path, CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await http.GetAsync(path, cancellationToken);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public static void DeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is not worth failing a test over.
        }
    }
}
