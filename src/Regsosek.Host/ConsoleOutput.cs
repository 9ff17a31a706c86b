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

    /// <summary>Sets <see cref="AnsiConsole.Console"/> up once at start: ANSI off when <see cref="Plain"/>.</summary>
    public static void Configure()
    {
        if (!Plain) return;
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = Console.IsOutputRedirected ? InteractionSupport.No : InteractionSupport.Detect,
            Out = new AnsiConsoleOutput(Console.Out),
        });
    }
}
