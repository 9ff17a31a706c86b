namespace Regsosek.Core.Policy;

/// <summary>Who is asking: a grant holder, or the public (no token, tier 1, national scope).</summary>
public sealed record Caller(Grant? Grant)
{
    /// <summary>The public: no grant, tier 1.</summary>
    public static Caller Public { get; } = new((Grant?)null);

    /// <summary>The caller's tier: the grant's tier, or tier 1 for the public.</summary>
    public Tier Tier => Grant?.Tier ?? Tier.Public;

    /// <summary>The caller's administrative scope: the grant's region, or national for the public
    /// (tier 1 is still limited to national and province level by the tier rules).</summary>
    public RegionCode Scope => Grant?.Region ?? RegionCode.National;
}
