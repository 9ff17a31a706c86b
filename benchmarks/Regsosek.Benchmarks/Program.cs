using BenchmarkDotNet.Running;

namespace Regsosek.Benchmarks;

/// <summary>
/// Entry point: pick benchmarks with BenchmarkDotNet's arguments, e.g. <c>--filter '*DuckDb*' --job short</c>;
/// or <c>extract-once …</c> for one extract or plain copy in a process of its own (<see cref="ExtractOnce"/>).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "extract-once")
            return await ExtractOnce.RunAsync(args[1..]);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
