using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Regsosek.ScaleOut.Cluster;

/// <summary>
/// A process the cluster started (a replica, HAProxy), with its output kept, and the signals the cases need:
/// SIGKILL (a crash) and SIGTERM (an orderly stop, as systemd sends). Every child is also killed when this
/// process exits, so that a failing or aborted run leaves nothing behind.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<int, Process> Living = new();
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string? _readyLine;

    static ChildProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var p in Living.Values)
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } catch (System.ComponentModel.Win32Exception) { }
    };

    private ChildProcess(string name, ProcessStartInfo start, string? readyLine)
    {
        Name = name;
        _readyLine = readyLine;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Exited += (_, _) => _ready.TrySetException(new InvalidOperationException($"{Name} exited before it was ready:\n{Output}"));
        if (!_process.Start()) throw new InvalidOperationException($"{name} did not start");
        Living[_process.Id] = _process;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        if (readyLine is null) _ready.TrySetResult();
    }

    /// <summary>Starts <paramref name="file"/>; it counts as ready once it prints a line containing <paramref name="readyLine"/>.</summary>
    public static ChildProcess Start(string name, string file, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment,
        string? readyLine)
    {
        var start = new ProcessStartInfo(file);
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in environment) start.Environment[k] = v;
        return new ChildProcess(name, start, readyLine);
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything it printed so far (stdout and stderr interleaved).</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Waits until it printed its ready line; throws with its output if it exits first or takes longer than <paramref name="timeout"/>.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var done = await Task.WhenAny(_ready.Task, Task.Delay(timeout));
        if (done != _ready.Task) throw new TimeoutException($"{Name} was not ready within {timeout.TotalSeconds} s:\n{Output}");
        await _ready.Task;
    }

    /// <summary>SIGKILL: gone at once, as in a crash or an OOM kill.</summary>
    public void Kill()
    {
        try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
    }

    /// <summary>SIGTERM: what systemd or an operator sends to stop the service in order.</summary>
    public void Terminate()
    {
        if (SendSignal(_process.Id, 15) != 0) throw new InvalidOperationException($"kill -TERM {_process.Id} failed ({Marshal.GetLastWin32Error()})");
    }

    /// <summary>Waits for the exit; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} did not exit within {timeout.TotalSeconds} s:\n{Output}");
        }
        Living.TryRemove(_process.Id, out _);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill();
            try { await WaitForExitAsync(TimeSpan.FromSeconds(10)); } catch (TimeoutException) { }
        }
        Living.TryRemove(_process.Id, out _);
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
        if (_readyLine is not null && line.Contains(_readyLine, StringComparison.Ordinal)) _ready.TrySetResult();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
