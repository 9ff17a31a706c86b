using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;

namespace Regsosek.Core.Tests;

/// <summary>Runs FsCheck properties inside xunit facts with a fixed replay seed, so every run tests the same cases
/// and a failure reproduces. Change <see cref="Seed"/> locally to explore other cases.</summary>
internal static class PropertyRunner
{
    public const ulong Seed = 20221015;

    public static Config Config(int maxTest) =>
        FsCheck.Config.QuickThrowOnFailure
            .WithMaxTest(maxTest)
            .WithQuietOnSuccess(true)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(Seed), FSharpOption<int>.None)));

    /// <summary>Checks <paramref name="property"/> for <paramref name="maxTest"/> values of <paramref name="arb"/>; throws on a counterexample.</summary>
    public static void ForAll<T>(Arbitrary<T> arb, Func<T, bool> property, int maxTest = 200) =>
        Check.One(Config(maxTest), Prop.ForAll(arb, property));

    /// <summary>As <see cref="ForAll{T}(Arbitrary{T}, Func{T, bool}, int)"/>, for properties that assert with xunit.</summary>
    public static void ForAll<T>(Arbitrary<T> arb, Action<T> property, int maxTest = 200) =>
        Check.One(Config(maxTest), Prop.ForAll(arb, property));
}
