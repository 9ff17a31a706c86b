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
        Bind<ExtractOptions>(services, configuration, ExtractsSection, o => o.Problems().Select(p => $"{ExtractsSection}:{p.Problem}"));
        Bind<LimitOptions>(services, configuration, LimitOptions.Section, o => o.Problems());
        return services;
    }

    private static void Bind<T>(IServiceCollection services, IConfiguration configuration, string section, Func<T, IEnumerable<string>> problems)
        where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new SettingsValidator<T>(problems));
        services.AddOptions<T>()
            .Bind(configuration.GetSection(section), Strict)
            .Bind(configuration.GetSection(section["Regsosek:".Length..]), Strict)
            .ValidateOnStart();
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
