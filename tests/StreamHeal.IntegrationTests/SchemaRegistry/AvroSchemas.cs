namespace StreamHeal.IntegrationTests.SchemaRegistry;

/// <summary>Avro schemas for registry tests: one record evolved in the ways the compatibility rules care about.</summary>
internal static class AvroSchemas
{
    public const string OrderV1 =
        """{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"},{"name":"amount","type":"long"}]}""";

    /// <summary>V1 plus an optional field with a default: backward compatible.</summary>
    public const string OrderWithDefaultedNote =
        """{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"},{"name":"amount","type":"long"},{"name":"note","type":["null","string"],"default":null}]}""";

    /// <summary>V1 plus a required field: old data has no value for it.</summary>
    public const string OrderWithRequiredCurrency =
        """{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"},{"name":"amount","type":"long"},{"name":"currency","type":"string"}]}""";

    /// <summary>V1 with amount changed from long to string: no Avro promotion allows it.</summary>
    public const string OrderAmountAsString =
        """{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"},{"name":"amount","type":"string"}]}""";

    /// <summary>V1 with amount widened from long to double: an allowed promotion.</summary>
    public const string OrderAmountAsDouble =
        """{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"},{"name":"amount","type":"double"}]}""";

    /// <summary>V1 without amount: removing a field is backward compatible.</summary>
    public const string OrderWithoutAmount =
        """{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"}]}""";

    public const string Invalid = """{"type":"record","name":"Broken","fields":[{"name":"x","type":"no_such_type"}]}""";

    /// <summary>A distinct valid schema per <paramref name="n"/>, for filling caches.</summary>
    public static string Numbered(int n) =>
        $$"""{"type":"record","name":"N{{n}}","fields":[{"name":"v","type":"int"}]}""";
}
