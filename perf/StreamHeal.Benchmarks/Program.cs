using BenchmarkDotNet.Running;

namespace StreamHeal.Benchmarks;

// The benchmark classes are not sealed: BenchmarkDotNet derives its runner type from each of them.
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
