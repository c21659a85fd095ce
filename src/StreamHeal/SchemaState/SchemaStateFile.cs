using System.Text.Json;
using StreamHeal.Tables;

namespace StreamHeal.SchemaState;

/// <summary>
/// The local copy of a table's schema state, so a restart during a registry outage still knows every column.
/// Written atomically (temp file, then rename) after each load or registration.
/// </summary>
public sealed class SchemaStateFile(string directory)
{
    public async Task SaveAsync(string table, IReadOnlyList<TableColumn> columns, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var path = PathFor(table);
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, StateSchemaAvro.ToAvro(table, columns), cancellationToken);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The saved columns, or null when there is no copy.</summary>
    public async Task<List<TableColumn>?> LoadAsync(string table, CancellationToken cancellationToken)
    {
        var path = PathFor(table);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return StateSchemaAvro.FromAvro(await File.ReadAllTextAsync(path, cancellationToken));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The local schema state '{path}' is damaged ({e.Message}); delete it to rebuild it from the registry.", e);
        }
    }

    private string PathFor(string table) => Path.Combine(directory, table + ".avsc");
}
