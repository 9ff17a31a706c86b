namespace Regsosek.Catalogue;

/// <summary>
/// The embedded catalogue (schema/indicators.yaml, schema/dimensions.yaml) is invalid, or does
/// not fit the data dictionary. The message names the file, the entry and what to fix; the
/// service refuses to start.
/// </summary>
public sealed class CatalogueException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="entry">The entry at fault, e.g. "indicators.yaml: indicator 'safe_drinking_water'".</param>
    /// <param name="message">What is wrong and what to fix.</param>
    public CatalogueException(string entry, string message) : base($"{entry}: {message}") => Entry = entry;

    /// <summary>The entry at fault, e.g. "indicators.yaml: indicator 'safe_drinking_water'".</summary>
    public string Entry { get; }
}
