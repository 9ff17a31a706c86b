namespace Regsosek.Core.Disclosure;

/// <summary>The table exceeds <see cref="DisclosureOptions.MaxCells"/> (issue 11, class 6). The message names the
/// limit and how to narrow the request; the pipeline maps it to RESOURCE_EXHAUSTED.</summary>
public sealed class TableTooLargeException(string message) : Exception(message);
