using BenchmarkDotNet.Running;

namespace Regsosek.Benchmarks;

/// <summary>Entry point: pick benchmarks with BenchmarkDotNet's arguments, e.g. <c>--filter '*DuckDb*' --job short</c>.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
