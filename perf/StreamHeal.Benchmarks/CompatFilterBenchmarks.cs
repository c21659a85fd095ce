using BenchmarkDotNet.Attributes;
using StreamHeal.Records;
using Filter = StreamHeal.CompatFilter.CompatFilter;
using StreamHeal.Tables;

namespace StreamHeal.Benchmarks;

/// <summary>
/// Compat-filter stage, per event. The rows have been filtered once already, so <see cref="Filter.Apply"/> leaves them
/// as they are and every invocation measures the same work: checking known columns (steady state), registering every
/// field as a new column (a fresh table), or proposing the columns for fields the table has not seen (the Schema
/// Registry path, which proposes before it registers).
/// </summary>
[MemoryDiagnoser]
public class CompatFilterBenchmarks
{
    private Filter _filter = null!;
    private FlatRow[] _steadyRows = [];
    private TableSchema _schema = null!;
    private FlatRow[] _freshRows = [];
    private FlatRow[] _unseenRows = [];

    [GlobalSetup]
    public void Setup()
    {
        _filter = new Filter(Corpus.CompatOptions);
        (_steadyRows, _schema) = Corpus.FilteredJsonRows();
        (_freshRows, _) = Corpus.FilteredJsonRows();
        foreach (var row in _freshRows)
        {
            _filter.Apply(row, new TableSchema(Corpus.Table));
        }

        (_unseenRows, _) = Corpus.FilteredJsonRows();
        foreach (var row in _unseenRows)
        {
            // What a new SDK version would add: names the table has not seen, of two kinds.
            row.Add("sdk4_experiment", FieldValue.FromString("b"));
            row.Add("sdk4_frame_ms", FieldValue.FromDouble(16.7));
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Corpus.Events)]
    public int SteadyState()
    {
        var quarantined = 0;
        foreach (var row in _steadyRows)
        {
            quarantined += _filter.Apply(row, _schema);
        }

        return quarantined;
    }

    [Benchmark(OperationsPerInvoke = Corpus.Events)]
    public int NewFields_FreshTableSchema()
    {
        var quarantined = 0;
        foreach (var row in _freshRows)
        {
            quarantined += _filter.Apply(row, new TableSchema(Corpus.Table));
        }

        return quarantined;
    }

    [Benchmark(OperationsPerInvoke = Corpus.Events)]
    public int NewFields_UnseenNames_ProposeColumns()
    {
        var proposed = 0;
        foreach (var row in _unseenRows)
        {
            proposed += _filter.ProposeColumns(row, _schema).Count;
        }

        return proposed;
    }
}
