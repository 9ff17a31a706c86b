using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Regsosek.Api;
using Regsosek.Core.Disclosure;
using Regsosek.Extracts;

namespace Regsosek.Host;

/// <summary>
/// The settings classes bound from configuration and validated when the server starts (ValidateOnStart): disclosure
/// control (<see cref="DisclosureOptions"/>, Regsosek:Disclosure), extracts (<see cref="ExtractOptions"/>,
/// Regsosek:Extracts) and call limits (<see cref="LimitOptions"/>, Regsosek:Limits). Each section is also read
/// without the "Regsosek:" prefix, as the REGSOSEK__ environment variables give it (REGSOSEK__Disclosure__MaxCells).
/// A key that names no setting, a value of the wrong type or a value out of range stops the start with a message
/// naming the setting. Defaults: the classes' own (src/Regsosek.Host/README.md lists them).
/// </summary>
public static class SettingsExtensions
{
    /// <summary>Configuration section of <see cref="DisclosureOptions"/>.</summary>
    public const string DisclosureSection = "Regsosek:Disclosure";

    /// <summary>Configuration section of <see cref="ExtractOptions"/>.</summary>
    public const string ExtractsSection = "Regsosek:Extracts";

    /// <summary>Binds and validates the disclosure, extract and limit settings of <paramref name="configuration"/>.</summary>
    public static IServiceCollection AddRegsosekSettings(this IServiceCollection services, IConfiguration configuration)
    {
        Bind<DisclosureOptions>(services, configuration, DisclosureSection, o =>
        {
            try
            {
                o.Validate();
                return [];
            }
            catch (ArgumentException e)
            {
                return [$"{DisclosureSection}:{e.Message}"];
            }
        });
        // Regsosek:Extracts:Jobs is a section of its own (ExtractJobOptions), not a setting of the extract runner.
        Bind<ExtractOptions>(services, configuration, ExtractsSection, o => o.Problems().Select(p => $"{ExtractsSection}:{p.Problem}"),
            ownSections: [JobsKey]);
        Bind<Regsosek.Api.ExtractJobs.ExtractJobOptions>(services, configuration, Regsosek.Api.ExtractJobs.ExtractJobOptions.Section, o => o.Problems());
        Bind<LimitOptions>(services, configuration, LimitOptions.Section, o => o.Problems());
        return services;
    }

    /// <summary>The subsection of Regsosek:Extracts holding <see cref="Regsosek.Api.ExtractJobs.ExtractJobOptions"/>.</summary>
    private const string JobsKey = "Jobs";

    private static void Bind<T>(IServiceCollection services, IConfiguration configuration, string section, Func<T, IEnumerable<string>> problems,
        string[]? ownSections = null)
        where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new SettingsValidator<T>(problems));
        var builder = services.AddOptions<T>();
        foreach (var name in new[] { section, section["Regsosek:".Length..] })
        {
            // A subsection that is an options class of its own is left out of T's (strict) binding.
            builder.Bind(ownSections is null ? configuration.GetSection(name) : Without(configuration, name, ownSections), Strict);
        }
        builder.ValidateOnStart();
    }

    /// <summary>Section <paramref name="name"/> without the values under the named subsections (keys keep their full
    /// paths, so that a binding error still names "Regsosek:Extracts:ChunkBytes").</summary>
    private static IConfigurationSection Without(IConfiguration configuration, string name, string[] subsections)
    {
        var values = configuration.GetSection(name).AsEnumerable()
            .Where(kv => kv.Value is not null && !subsections.Any(s =>
                kv.Key.Equals(name + ":" + s, StringComparison.OrdinalIgnoreCase) ||
                kv.Key.StartsWith(name + ":" + s + ":", StringComparison.OrdinalIgnoreCase)));
        return new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(name);
    }

    /// <summary>A key that names no setting is an error (a misspelt setting must not silently keep its default).</summary>
    private static void Strict(BinderOptions o) => o.ErrorOnUnknownConfiguration = true;

    private sealed class SettingsValidator<T>(Func<T, IEnumerable<string>> problems) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var found = problems(options).ToList();
            return found.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(found);
        }
    }
}
