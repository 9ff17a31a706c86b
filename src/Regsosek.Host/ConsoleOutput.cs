using Spectre.Console;

namespace Regsosek.Host;

/// <summary>
/// Plain console output when it is not for a person at a terminal: when standard output is redirected (a file, a
/// pipe, CI logs, a process supervisor) or NO_COLOR (https://no-color.org) is set, the command line's Spectre.Console
/// output carries no ANSI escape codes and no interactive progress, and the simple console log no colours.
/// </summary>
public static class ConsoleOutput
{
    /// <summary>True when output must be plain text.</summary>
    public static bool Plain =>
        Console.IsOutputRedirected || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    /// <summary>Width of tables written to a file or pipe (Spectre's default there is 80, which wraps grant ids); $COLUMNS wins.</summary>
    public const int RedirectedWidth = 160;

    /// <summary>Sets <see cref="AnsiConsole.Console"/> up once at start: ANSI off when <see cref="Plain"/>.</summary>
    public static void Configure()
    {
        if (!Plain) return;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = Console.IsOutputRedirected ? InteractionSupport.No : InteractionSupport.Detect,
            Out = new AnsiConsoleOutput(Console.Out),
        });
        if (Console.IsOutputRedirected)
            console.Profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 0
                ? columns
                : RedirectedWidth;
        AnsiConsole.Console = console;
    }

    /// <summary>
    /// Reports an error nobody expected on standard error: its type and message for the operator, the stack trace only
    /// when REGSOSEK_DEBUG=1 asks for it.
    /// </summary>
    /// <returns>The exit code of such a failure: 1.</returns>
    public static int Unexpected(Exception e)
    {
        Console.Error.WriteLine($"error: {e.GetType().Name}: {e.Message}");
        if (Environment.GetEnvironmentVariable("REGSOSEK_DEBUG") == "1") Console.Error.WriteLine(e);
        else Console.Error.WriteLine("(set REGSOSEK_DEBUG=1 for the stack trace)");
        return 1;
    }

    /// <summary>
    /// Sends the command line's own output to standard error, so that standard output carries the JSON log alone
    /// (`start` with Regsosek:Logging:Format=json); plain when standard error is not a terminal or NO_COLOR is set.
    /// </summary>
    public static void ToStandardError()
    {
        var plain = Console.IsErrorRedirected || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = plain ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = plain ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = Console.IsErrorRedirected ? InteractionSupport.No : InteractionSupport.Detect,
            Out = new AnsiConsoleOutput(Console.Error),
        });
        if (Console.IsErrorRedirected) console.Profile.Width = RedirectedWidth;
        AnsiConsole.Console = console;
    }
}
