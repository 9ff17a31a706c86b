namespace Regsosek.Generator;

/// <summary>One member of a simulated family; answers use <see cref="FamilySimulator.NA"/> for "not asked".</summary>
internal struct Person
{
    public short Sex, Age, Status, Rel, Marital;
    public short R410, R411, R412, R413, R414, R415, R416a, R416b, R417, R418, R419;
    public short R420a, R420b, R421, R422, R423, R424, R425, R426, R427, R429, R430;
    public short R431a, R431b, R431c, R431d, R431e, R431f;
    public R428Set R428;
    /// <summary>Birth order among the head's children (Balinese names), 0-based.</summary>
    public short ChildOrder;

    /// <summary>True when the member lives with the family (404 = 1 or 5) and answers block IV.</summary>
    public readonly bool Resident => Status is 1 or 5;
}

/// <summary>The ten answers of 428a-j, inline.</summary>
[System.Runtime.CompilerServices.InlineArray(10)]
internal struct R428Set
{
    private short _first;
}

/// <summary>One simulated family: its answers to blocks I (non-identity), III and V, its members and welfare score.</summary>
internal sealed class Family
{
    public const int MaxMembers = 24;
    public readonly Person[] Members = new Person[MaxMembers];
    /// <summary>Rows in individu (living members first, then the rare dead/moved ones).</summary>
    public int MemberCount;
    /// <summary>Members living with the family (r112).</summary>
    public int LivingSize;
    public byte UrbanRural;
    /// <summary>The family's standardized latent welfare (drives every answer).</summary>
    public double Latent;
    public short R111, R115;
    public short R301a, R301b, R302, R303, R304, R305, R306a, R306b, R307a, R307b1, R307b2, R307b3, R308, R309a, R309b, R310;
    public readonly short[] R501 = new short[7];
    public readonly short[] R502 = new short[14];
    public readonly short[] R503 = new short[2];
    public readonly short[] R504 = new short[5];
    public short R505, R506;
    /// <summary>Welfare score quantized to a bin of <see cref="WelfareRanking.Bins"/>.</summary>
    public int ScoreBin;
}

/// <summary>The regional setting of the families being simulated.</summary>
internal readonly record struct RegionSetting(double ProvinceEffect, bool PigKeeping, bool Papua);

/// <summary>
/// Simulates one family at a time from the core random stream: composition and ages, housing,
/// members' answers, assets, welfare score, then programme receipt. Every answer follows the
/// questionnaire's skip rules (a skipped answer is <see cref="NA"/>, written as NULL).
/// Allocation-free: it fills a reused <see cref="Family"/>.
/// </summary>
internal sealed class FamilySimulator
{
    public const short NA = -1;

    // Shares of families by living size 1..9 (≈ BPS: mean ≈ 3.3; 6+ ≈ 9 %).
    private static readonly Categorical FamilySize = new((1, 14), (2, 21), (3, 23), (4, 21), (5, 12), (6, 6), (7, 2), (8, 0.7), (9, 0.3));

    private static readonly Ordinal Tenure = new((5, 1), (4, 1), (3, 8), (2, 8), (1, 82));
    private static readonly Ordinal LandProof = new((6, 15), (5, 30), (3, 4), (2, 3), (4, 3), (1, 45));
    private static readonly Ordinal Floor = new((8, 4), (9, 0.5), (7, 1.5), (5, 6), (6, 20), (4, 8), (2, 56), (3, 1), (1, 3));
    private static readonly Ordinal Wall = new((7, 0.5), (6, 1.5), (4, 3), (5, 1), (3, 11), (2, 3), (1, 80));
    private static readonly Ordinal Roof = new((7, 2), (8, 0.5), (5, 0.5), (6, 3), (4, 10), (3, 30), (2, 49), (1, 5));
    private static readonly Ordinal Water = new((9, 3), (11, 0.5), (8, 3), (6, 5), (10, 2), (7, 7), (5, 14), (4, 18), (3, 10), (2, 30), (1, 7.5));
    private static readonly Ordinal Lighting = new((4, 1.5), (3, 2.5), (2, 8), (1, 88));
    private static readonly Ordinal Power = new((1, 25), (2, 45), (3, 18), (4, 8), (5, 4));
    private static readonly Ordinal Cooking = new((10, 12), (9, 0.5), (8, 0.1), (11, 0.3), (7, 1.5), (6, 0.1), (4, 72), (0, 2), (1, 2), (5, 0.5), (2, 3), (3, 6));
    private static readonly Ordinal Toilet = new((6, 6), (5, 1), (4, 2), (3, 3), (2, 7), (1, 81));
    private static readonly Ordinal Closet = new((4, 5), (3, 2), (2, 4), (1, 89));
    private static readonly Ordinal Disposal = new((5, 4), (3, 10), (6, 2), (4, 13), (1, 70), (2, 1));
    private static readonly Ordinal Internet = new((0, 22), (3, 63), (2, 12), (1, 3));
    private static readonly Ordinal Account = new((4, 45), (2, 45), (1, 3), (3, 7));
    private static readonly Ordinal Turnover = new((1, 75), (2, 14), (3, 4), (4, 6), (5, 0.8), (6, 0.15), (7, 0.05));

    // National shares of asset ownership (502a..n), order a..n.
    private static readonly double[] AssetShare = [0.22, 0.62, 0.12, 0.06, 0.04, 0.35, 0.25, 0.2, 0.84, 0.3, 0.11, 0.03, 0.02, 0.85];
    private static readonly double[] AssetCut = AssetShare.Select(p => Stats.InverseNormal(1 - p)).ToArray();
    private static readonly double[] AssetRho = [0.6, 0.7, 0.75, 0.7, 0.5, 0.65, 0.55, 0.7, 0.5, 0.1, 0.75, -0.2, 0.1, 0.6];
    private static readonly double[] AssetScore = [0.15, 0.3, 0.4, 0.3, 0.15, 0.25, 0.25, 0.35, 0.2, 0.02, 0.6, 0.02, 0.1, 0.15];

    private static readonly Categorical FarmIndustry = new((1, 38), (3, 25), (2, 12), (4, 9), (5, 9), (6, 7));
    private static readonly Categorical OtherIndustry = new((12, 30), (8, 18), (11, 10), (14, 8), (13, 6), (21, 6), (24, 7), (20, 4), (22, 2), (16, 1.5), (15, 1.5),
        (18, 2), (7, 1.5), (9, 0.3), (10, 0.5), (17, 0.4), (23, 0.6), (25, 0.5), (19, 0.1), (26, 0.02));
    private static readonly Categorical BusinessIndustry = new((12, 45), (14, 20), (8, 12), (1, 6), (3, 4), (13, 4), (24, 5), (4, 2), (5, 2));
    private static readonly Categorical FarmStatus = new((1, 30), (2, 25), (6, 15), (8, 25), (4, 4), (3, 1));
    private static readonly Categorical Licence = new((11, 70), (4, 15), (1, 3), (2, 4), (10, 3), (5, 2), (7, 1), (9, 1), (8, 0.5), (3, 0.5), (6, 0.2), (12, 0.8));
    private static readonly Categorical Disease = new((2, 40), (6, 15), (3, 15), (4, 8), (5, 8), (13, 5), (7, 2), (8, 3), (9, 1), (10, 1), (18, 2),
        (11, 0.05), (12, 0.1), (14, 0.2), (15, 0.05), (16, 0.05), (17, 0.1));
    private static readonly Categorical Nutrition = new((1, 7), (2, 18), (3, 70), (8, 5));

    private readonly Rng _rng;

    public FamilySimulator(Rng core) => _rng = core;

    /// <summary>Share of families with a pre-listed member who died, moved or was not found (404 = 2, 3, 4, 6).</summary>
    public const double NonResidentShare = 0.03;

    /// <summary>Draws a living family size (1..9).</summary>
    public static int DrawSize(Rng rng) => FamilySize.Draw(rng);

    /// <summary>Simulates a family of <paramref name="livingSize"/> living members in a village.</summary>
    public void Simulate(Family f, int livingSize, bool nonResidentMember, byte urbanRural, in RegionSetting region)
    {
        var rng = _rng;
        f.LivingSize = livingSize;
        f.UrbanRural = urbanRural;
        // Latent welfare: region (province poverty, urban) plus the family's own luck, roughly N(0, 1) nationally.
        double w = region.ProvinceEffect + (urbanRural == 1 ? 0.35 : -0.1) + 0.9 * rng.Gaussian();
        f.Latent = w;
        f.R111 = (short)(rng.Chance(0.93) ? 1 : 2);
        f.R115 = (short)(rng.Chance(0.9) ? 1 : rng.Chance(0.6) ? 2 : 3);

        Compose(f, livingSize, nonResidentMember, w);
        Housing(f, w, region);
        for (int i = 0; i < f.MemberCount; i++) Answer(ref f.Members[i], f, w, urbanRural);
        Assets(f, w, region);
        double score = Score(f, w, region);
        f.ScoreBin = WelfareRanking.Quantize(score);
        Programmes(f, score);
    }

    private void Compose(Family f, int size, bool nonResident, double w)
    {
        var rng = _rng;
        var m = f.Members;
        int n = 0;
        short headAge;
        bool spouse = size >= 2 && rng.Chance(size == 2 ? 0.72 : 0.88);
        if (size == 1)
        {
            double u = rng.NextDouble();
            headAge = (short)(u < 0.35 ? rng.Between(19, 34) : u < 0.6 ? rng.Between(35, 59) : rng.Between(60, 92));
        }
        else
        {
            headAge = (short)Math.Clamp(44 + 12 * rng.Gaussian(), spouse ? 19 : 22, 90);
        }
        short headSex = (short)(spouse ? (rng.Chance(0.96) ? 1 : 2) : (headAge >= 45 ? (rng.Chance(0.65) ? 2 : 1) : (rng.Chance(0.55) ? 1 : 2)));
        short headMarital = spouse ? (short)2 : headAge < 30 ? (short)(rng.Chance(0.75) ? 1 : 3) : headAge >= 55 ? (short)(rng.Chance(0.75) ? 4 : 3) : (short)(rng.Chance(0.4) ? 1 : rng.Chance(0.5) ? 3 : 4);
        Add(m, ref n, headSex, headAge, 1, headMarital);

        short motherAge = headSex == 2 ? headAge : (short)(headAge - 4);
        if (spouse)
        {
            short sex = (short)(3 - headSex);
            short age = (short)Math.Clamp(headAge + (sex == 2 ? -1 : 1) * (4 + 3 * rng.Gaussian()), 16, 95);
            Add(m, ref n, sex, age, 2, 2);
            if (sex == 2) motherAge = age;
        }
        int remaining = size - n;
        if (remaining > 0 && headAge < 62 && rng.Chance(0.07))
        {
            short age = (short)Math.Min(100, headAge + rng.Between(22, 34));
            Add(m, ref n, (short)(rng.Chance(0.75) ? 2 : 1), age, 6, (short)(rng.Chance(0.7) ? 4 : 2));
            remaining--;
        }
        if (remaining > 0 && w > 1.6 && rng.Chance(0.15))
        {
            Add(m, ref n, (short)(rng.Chance(0.8) ? 2 : 1), (short)rng.Between(18, 50), 7, (short)(rng.Chance(0.5) ? 1 : 2));
            remaining--;
        }
        if (remaining > 0 && rng.Chance(0.03))
        {
            short age = (short)rng.Between(5, 60);
            Add(m, ref n, (short)(rng.Chance(0.5) ? 1 : 2), age, 8, (short)(age < 20 ? 1 : rng.Chance(0.6) ? 2 : 1));
            remaining--;
        }
        // Three generations: an older head with a married child, the child's spouse and grandchildren.
        if (remaining >= 3 && headAge >= 50 && rng.Chance(0.5))
        {
            short childAge = (short)Math.Max(18, motherAge - rng.Between(20, 32));
            short childSex = (short)(rng.Chance(0.5) ? 1 : 2);
            Add(m, ref n, childSex, childAge, 3, 2, 0);
            Add(m, ref n, (short)(3 - childSex), (short)Math.Clamp(childAge + (childSex == 1 ? -3 : 3), 17, 90), 4, 2);
            remaining -= 2;
            short grandMother = childSex == 2 ? childAge : (short)(childAge - 3);
            while (remaining > 0)
            {
                Add(m, ref n, (short)(rng.Chance(0.51) ? 1 : 2), (short)Math.Max(0, Math.Min(grandMother - 16, rng.Between(0, 12))), 5, 1);
                remaining--;
            }
        }
        short order = 0;
        while (remaining > 0)
        {
            // Mother's age at birth: mostly 20-35; the child is at least 15 years younger than the mother.
            int atBirth = 17 + (int)(Math.Abs(rng.Gaussian()) * 9) + rng.Next(3);
            int age = motherAge - atBirth;
            if (age < 0) age = rng.Next(Math.Max(1, Math.Min(5, motherAge - 15)));
            age = Math.Min(age, motherAge - 15);
            if (age < 0) age = 0;
            short sex = (short)(rng.Chance(0.51) ? 1 : 2);
            short marital = age < 16 ? (short)1 : age < 25 ? (short)(rng.Chance(sex == 2 ? 0.1 : 0.04) ? 2 : 1) : (short)(rng.Chance(0.75) ? 1 : rng.Chance(0.5) ? 3 : 2);
            Add(m, ref n, sex, (short)age, 3, marital, order++);
            remaining--;
        }
        // Children and grandchildren in descending age, as a form lists them.
        SortChildren(m, n);
        f.MemberCount = n;
        for (int i = 0; i < n; i++)
        {
            // A few members are new this year (born or joined: 404 = 5).
            m[i].Status = (short)((m[i].Age == 0 && rng.Chance(0.6)) || rng.Chance(0.005) ? 5 : 1);
        }
        // Rarely, a pre-listed member has died, moved or was not found (404 = 2, 3, 4, 6): a row with no answers.
        if (nonResident)
        {
            double u = rng.NextDouble();
            short status = (short)(u < 0.35 ? 2 : u < 0.75 ? 3 : u < 0.85 ? 4 : 6);
            short age = status == 2 ? (short)rng.Between(45, 95) : (short)rng.Between(17, 40);
            Add(m, ref n, (short)(rng.Chance(0.5) ? 1 : 2), age, (short)(status == 2 ? 6 : 3), 1);
            m[n - 1].Status = status;
            f.MemberCount = n;
        }
    }

    private static void Add(Person[] m, ref int n, short sex, short age, short rel, short marital, short order = 0)
    {
        ref var p = ref m[n++];
        p = default;
        p.Sex = sex;
        p.Age = age;
        p.Rel = rel;
        p.Marital = marital;
        p.ChildOrder = order;
        p.Status = 1;
    }

    private static void SortChildren(Person[] m, int n)
    {
        for (int i = 1; i < n; i++)
        {
            if (m[i].Rel != 3 && m[i].Rel != 5) continue;
            for (int j = i; j > 0 && m[j - 1].Rel == m[j].Rel && m[j - 1].Age < m[j].Age; j--)
                (m[j - 1], m[j]) = (m[j], m[j - 1]);
        }
        short order = 0;
        for (int i = 0; i < n; i++)
            if (m[i].Rel == 3) m[i].ChildOrder = order++;
    }

    private void Housing(Family f, double w, in RegionSetting region)
    {
        var rng = _rng;
        f.R301a = Tenure.Draw(rng, w - (f.UrbanRural == 1 ? 0.6 : 0), 0.3);
        f.R301b = f.R301a == 1 ? LandProof.Draw(rng, w, 0.6) : NA;
        double area = 54 * Math.Exp(0.25 * w + 0.08 * (f.LivingSize - 3) + 0.35 * rng.Gaussian());
        f.R302 = (short)Math.Clamp(Math.Round(area), 6, 1500);
        f.R303 = Floor.Draw(rng, w, 0.75);
        f.R304 = Wall.Draw(rng, w, 0.7);
        f.R305 = Roof.Draw(rng, w, 0.55);
        f.R306a = Water.Draw(rng, w + (f.UrbanRural == 1 ? 0.3 : -0.2), 0.6);
        f.R306b = f.R306a is >= 4 and <= 8 ? (short)(rng.Chance(0.05) ? 8 : rng.Chance(0.3) ? 1 : 2) : NA;
        f.R307a = Lighting.Draw(rng, w + (region.Papua ? -1.2 : 0), 0.5);
        if (f.R307a == 1)
        {
            f.R307b1 = Power.Draw(rng, w, 0.8);
            f.R307b2 = w > 0.8 && rng.Chance(0.08) ? Power.Draw(rng, w, 0.8) : NA;
            f.R307b3 = f.R307b2 != NA && rng.Chance(0.15) ? Power.Draw(rng, w, 0.8) : NA;
        }
        else
        {
            f.R307b1 = f.R307b2 = f.R307b3 = NA;
        }
        f.R308 = f.LivingSize == 1 && rng.Chance(0.1) ? (short)0 : Cooking.Draw(rng, w + (f.UrbanRural == 1 ? 0.5 : -0.2), 0.7);
        f.R309a = Toilet.Draw(rng, w, 0.65);
        f.R309b = f.R309a is >= 1 and <= 3 ? Closet.Draw(rng, w, 0.6) : NA;
        f.R310 = f.R309a == 6 ? (short)(rng.Chance(0.5) ? 5 : 3) : Disposal.Draw(rng, w + (f.UrbanRural == 1 ? 0.3 : 0), 0.6);
    }

    private void Answer(ref Person p, Family f, double w, byte urbanRural)
    {
        var rng = _rng;
        short na = NA;
        if (!p.Resident)
        {
            // 404 = 2, 3, 4, 6: "lanjut ke anggota keluarga berikutnya" — nothing after 404.
            p.R410 = p.R411 = p.R412 = p.R413 = p.R414 = p.R415 = p.R416a = p.R416b = p.R417 = p.R418 = p.R419 = na;
            p.R420a = p.R420b = p.R421 = p.R422 = p.R423 = p.R424 = p.R425 = p.R426 = p.R427 = p.R429 = p.R430 = na;
            p.R431a = p.R431b = p.R431c = p.R431d = p.R431e = p.R431f = na;
            for (int i = 0; i < 10; i++) p.R428[i] = na;
            return;
        }
        int age = p.Age;
        bool female = p.Sex == 2;
        double wp = 0.8 * w + 0.6 * rng.Gaussian();

        p.R410 = female && age is >= 10 and <= 54 && p.Marital is 2 or 3 or 4
            ? (short)(rng.Chance(p.Marital == 2 && age is >= 18 and <= 40 ? 0.06 : 0.008) ? 1 : 2) : na;

        int cards = 0;
        if (rng.Chance(age < 18 ? 0.88 : age < 40 ? 0.75 : 0.45) ^ (wp < -1.5 && rng.Chance(0.3))) cards |= 1;
        if (age < 17 && rng.Chance(0.35)) cards |= 2;
        if ((age >= 17 || p.Marital != 1) && rng.Chance(0.96)) cards |= 4;
        p.R411 = (short)cards;

        Education(ref p, age, wp);
        Employment(ref p, age, female, wp, urbanRural);
        Business(ref p, age, wp);
        Health(ref p, f, age, wp);
        Protection(ref p, age, wp);
    }

    private void Education(ref Person p, int age, double wp)
    {
        var rng = _rng;
        short na = NA;
        if (age < 5)
        {
            p.R412 = p.R413 = p.R414 = p.R415 = na;
            return;
        }
        bool inSchool;
        bool never;
        if (age <= 6) { inSchool = age == 6 && rng.Chance(0.35); never = !inSchool; }
        else
        {
            double pNever = age < 25 ? 0.005 : age < 45 ? 0.015 : age < 60 ? 0.05 : 0.16;
            never = rng.Chance(pNever * (wp < -1 ? 2 : 1));
            double pSchool = age <= 12 ? 0.98 : age <= 15 ? 0.9 : age <= 18 ? 0.72 : age <= 24 ? 0.25 : age <= 29 ? 0.03 : 0;
            pSchool = Math.Clamp(pSchool + (age > 12 ? 0.1 * wp : 0), 0, 0.995);
            inSchool = !never && rng.Chance(pSchool);
        }
        if (never)
        {
            p.R412 = 1;
            p.R413 = p.R414 = p.R415 = na;
            return;
        }
        if (inSchool)
        {
            p.R412 = 2;
            if (age <= 12) { p.R413 = (short)(rng.Chance(0.8) ? 3 : rng.Chance(0.9) ? 4 : 2); p.R414 = (short)Math.Clamp(age - 6, 1, 6); p.R415 = 23; }
            else if (age <= 15) { p.R413 = (short)(rng.Chance(0.75) ? 8 : 9); p.R414 = (short)Math.Clamp(age - 12, 1, 3); p.R415 = (short)(rng.Chance(0.8) ? 3 : 4); }
            else if (age <= 18) { double u = rng.NextDouble(); p.R413 = (short)(u < 0.5 ? 13 : u < 0.85 ? 15 : 14); p.R414 = (short)Math.Clamp(age - 15, 1, 3); p.R415 = (short)(rng.Chance(0.75) ? 8 : 9); }
            else { p.R413 = (short)(rng.Chance(0.75) ? 19 : rng.Chance(0.8) ? 18 : 21); p.R414 = (short)Math.Clamp(age - 18, 1, 7); p.R415 = (short)(rng.Chance(0.55) ? 13 : rng.Chance(0.6) ? 15 : 14); }
            return;
        }
        p.R412 = 3;
        // Attainment: better-off and younger cohorts study longer; capped by what the age allows.
        double q = 0.9 * wp + (45 - age) / 30.0 + 0.7 * rng.Gaussian();
        int level = q < -1.3 ? 0 : q < -0.5 ? 1 : q < 0.0 ? 2 : q < 0.45 ? 3 : q < 1.3 ? 4 : q < 1.7 ? 5 : q < 2.6 ? 6 : 7;
        int maxLevel = age < 13 ? 0 : age < 16 ? 2 : age < 19 ? 3 : age < 21 ? 4 : age < 23 ? 5 : age < 25 ? 6 : 7;
        level = Math.Min(level, maxLevel);
        switch (level)
        {
            case 0: p.R413 = (short)(rng.Chance(0.85) ? 3 : 4); p.R414 = (short)rng.Between(1, 5); p.R415 = 23; break;
            case 1: p.R413 = (short)(rng.Chance(0.85) ? 3 : rng.Chance(0.9) ? 4 : 1); p.R414 = 8; p.R415 = p.R413; break;
            case 2: p.R413 = (short)(rng.Chance(0.8) ? 8 : 9); p.R414 = (short)rng.Between(1, 2); p.R415 = 3; break;
            case 3: p.R413 = (short)(rng.Chance(0.78) ? 8 : rng.Chance(0.9) ? 9 : 6); p.R414 = 8; p.R415 = p.R413; break;
            case 4: { double u = rng.NextDouble(); p.R413 = (short)(u < 0.55 ? 13 : u < 0.85 ? 15 : u < 0.97 ? 14 : 11); p.R414 = 8; p.R415 = p.R413; break; }
            case 5: p.R413 = 18; p.R414 = 8; p.R415 = 18; break;
            case 6: p.R413 = 19; p.R414 = 8; p.R415 = 19; break;
            default: p.R413 = (short)(rng.Chance(0.9) ? 21 : rng.Chance(0.7) ? 20 : 22); p.R414 = 8; p.R415 = p.R413; break;
        }
    }

    private void Employment(ref Person p, int age, bool female, double wp, byte urbanRural)
    {
        var rng = _rng;
        short na = NA;
        if (age < 5)
        {
            p.R416a = p.R416b = p.R417 = p.R418 = p.R419 = na;
            return;
        }
        double pw = age < 10 ? 0.01 : age < 15 ? 0.05 : age < 20 ? 0.28 : age < 25 ? 0.58 : age < 60 ? (female ? 0.54 : 0.9) : age < 70 ? (female ? 0.35 : 0.6) : 0.25;
        if (p.R412 == 2) pw *= 0.3;
        bool works = rng.Chance(pw);
        p.R416a = (short)(works ? 1 : 2);
        if (works)
        {
            bool farm = rng.Chance((urbanRural == 1 ? 0.08 : 0.55) - 0.1 * Math.Clamp(wp, -1, 2));
            p.R417 = farm ? FarmIndustry.Draw(rng) : OtherIndustry.Draw(rng);
            if (farm) p.R418 = FarmStatus.Draw(rng);
            else if (p.R417 is 20 or 21 or 22 && rng.Chance(0.5 + 0.15 * wp)) p.R418 = 5;
            else
            {
                double u = rng.NextDouble() - 0.08 * wp;
                p.R418 = (short)(u < 0.45 ? 4 : u < 0.68 ? 1 : u < 0.8 ? 7 : u < 0.9 ? 8 : u < 0.95 ? 2 : 3);
            }
            double hours = p.R418 is 4 or 5 ? 42 + 7 * rng.Gaussian() : 33 + 13 * rng.Gaussian();
            p.R416b = (short)Math.Clamp(Math.Round(hours), 1, 98);
        }
        else
        {
            p.R416b = p.R417 = p.R418 = na;
        }
        double pTax = age < 18 ? 0.005 : works ? (p.R418 is 4 or 5 ? 0.55 : 0.12) + 0.1 * wp : 0.04;
        p.R419 = rng.Chance(Math.Clamp(pTax, 0, 0.95)) ? (short)(rng.Chance(0.85) ? 1 : 2) : (short)3;
    }

    private void Business(ref Person p, int age, double wp)
    {
        var rng = _rng;
        short na = NA;
        if (age < 5)
        {
            p.R420a = p.R420b = p.R421 = p.R422 = p.R423 = p.R424 = p.R425 = p.R426 = na;
            return;
        }
        bool owner = p.R416a == 1 && p.R418 is 1 or 2 or 3 ? rng.Chance(0.85) : age >= 18 ? rng.Chance(0.06) : rng.Chance(0.003);
        p.R420a = (short)(owner ? 1 : 2);
        if (!owner)
        {
            p.R420b = p.R421 = p.R422 = p.R423 = p.R424 = p.R425 = p.R426 = na;
            return;
        }
        p.R420b = (short)(rng.Chance(0.86) ? 1 : rng.Chance(0.8) ? 2 : 3);
        p.R421 = p.R416a == 1 && p.R418 is 1 or 2 or 3 && rng.Chance(0.8) ? p.R417 : BusinessIndustry.Draw(rng);
        p.R422 = p.R418 == 3 ? (short)(1 + (int)(Math.Abs(rng.Gaussian()) * 4)) : (short)(rng.Chance(0.06) ? rng.Between(1, 3) : 0);
        p.R423 = p.R418 == 2 ? (short)rng.Between(1, 3) : (short)(rng.Chance(0.2) ? 1 : 0);
        p.R424 = Licence.Draw(rng);
        p.R425 = Turnover.Draw(rng, wp, 0.6);
        if (rng.Chance(Math.Clamp(0.35 + 0.2 * wp, 0.05, 0.9)))
        {
            int flags = rng.Chance(0.8) ? 1 : 0;
            if (rng.Chance(0.45)) flags |= 2;
            if (rng.Chance(0.35)) flags |= 4;
            if (rng.Chance(0.3)) flags |= 8;
            if (rng.Chance(0.1)) flags |= 16;
            if (rng.Chance(0.03)) flags |= 32;
            p.R426 = (short)(flags == 0 ? 1 : flags);
        }
        else
        {
            p.R426 = 0;
        }
    }

    private void Health(ref Person p, Family f, int age, double wp)
    {
        var rng = _rng;
        short na = NA;
        p.R427 = age <= 4 ? (wp < -1 && rng.Chance(0.15) ? (short)2 : Nutrition.Draw(rng)) : na;
        double pDiff = age < 18 ? 0.008 : age < 60 ? 0.025 : age < 70 ? 0.1 : 0.25;
        bool severe = false;
        for (int i = 0; i < 10; i++)
        {
            if ((i < 6 && age < 2) || (i >= 6 && age < 5)) { p.R428[i] = na; continue; }
            short v;
            if (i == 9)
            {
                double u = rng.NextDouble();
                v = (short)(u < 0.85 ? 4 : u < 0.96 ? 3 : u < 0.99 ? 2 : 1);
            }
            else if (rng.Chance(pDiff))
            {
                double u = rng.NextDouble();
                v = (short)(u < 0.7 ? 3 : u < 0.92 ? 2 : 1);
            }
            else v = 4;
            p.R428[i] = v;
            if (v is 1 or 2) severe = true;
        }
        p.R429 = age >= 60 || severe
            ? (f.LivingSize == 1 ? (short)3 : (short)(rng.Chance(0.93) ? 1 : 2))
            : na;
        double pChronic = age < 40 ? 0.05 : age < 60 ? 0.25 : 0.45;
        p.R430 = rng.Chance(pChronic) ? Disease.Draw(rng) : (short)1;
    }

    private void Protection(ref Person p, int age, double wp)
    {
        var rng = _rng;
        short na = NA;
        // Health insurance: the state pays for the poor (PBI); employees through the employer.
        int jkn = 0;
        if (rng.Chance(Math.Clamp(0.42 - 0.22 * wp, 0.03, 0.85))) jkn |= 1;
        else if (p.R418 is 4 or 5 && rng.Chance(0.75)) jkn |= 4;
        else if (rng.Chance(Math.Clamp(0.25 + 0.15 * wp, 0.02, 0.8))) jkn |= 2;
        if (rng.Chance(0.02 + 0.03 * Math.Max(0, wp))) jkn |= 8;
        p.R431a = rng.Chance(0.01) ? (short)99 : (short)jkn;
        if (age < 5)
        {
            p.R431b = p.R431c = p.R431d = p.R431e = p.R431f = na;
            return;
        }
        p.R431b = (short)(age is >= 18 and <= 64 && rng.Chance(0.04) ? 1 : 2);
        p.R431c = (short)(rng.Chance(p.R420a == 1 ? 0.12 : age >= 18 ? 0.01 : 0) ? 1 : 2);
        p.R431d = (short)(rng.Chance(p.R420a == 1 ? 0.07 : age >= 18 ? 0.005 : 0) ? 1 : 2);
        p.R431e = age <= 30 ? (short)(rng.Chance(p.R412 == 2 ? Math.Clamp(0.2 - 0.12 * wp, 0.02, 0.45) : 0.005) ? 1 : 2) : na;
        if (age < 15) { p.R431f = na; return; }
        int flags = 0;
        if (p.R418 is 4 or 5)
        {
            if (rng.Chance(0.6)) flags |= 1 | 2;
            if (rng.Chance(0.45)) flags |= 4;
            if (rng.Chance(0.2)) flags |= 8;
            if (p.R418 == 5 && rng.Chance(0.8)) flags |= 16;
        }
        else if (p.R416a == 1 && rng.Chance(0.08)) flags |= 1 | 2;
        p.R431f = rng.Chance(0.01) ? (short)99 : (short)flags;
    }

    private void Assets(Family f, double w, in RegionSetting region)
    {
        var rng = _rng;
        for (int i = 0; i < 14; i++)
        {
            double rho = AssetRho[i];
            double shift = i == 2 && f.UrbanRural == 1 ? 0.4 : i is 11 or 12 && f.UrbanRural == 2 ? 0.3 : 0;
            double z = rho * w + Math.Sqrt(1 - rho * rho) * rng.Gaussian() + shift;
            f.R502[i] = (short)(z > AssetCut[i] ? 1 : 2);
        }
        bool rural = f.UrbanRural == 2;
        f.R503[0] = (short)(rng.Chance(Math.Clamp((rural ? 0.35 : 0.12) + 0.1 * w, 0.02, 0.9)) ? 1 : 2);
        f.R503[1] = (short)(rng.Chance(Math.Clamp(0.06 + 0.06 * w, 0.005, 0.5)) ? 1 : 2);
        f.R504[0] = Herd(rural ? 0.1 : 0.01, 4);
        f.R504[1] = Herd(rural ? 0.025 : 0.002, 3);
        f.R504[2] = Herd(rural ? 0.008 : 0.001, 2);
        f.R504[3] = region.PigKeeping ? Herd(rural ? 0.2 : 0.04, 4) : Herd(0.002, 3);
        f.R504[4] = Herd(rural ? 0.12 : 0.02, 6);
        bool anySmartphone = f.R502[13] == 1;
        f.R505 = anySmartphone ? Internet.Draw(rng, w + (rural ? -0.3 : 0.3), 0.6) : (short)(rng.Chance(0.05) ? 2 : 0);
        if (f.R505 == 0 && anySmartphone) f.R505 = 3;
        bool business = false;
        for (int i = 0; i < f.MemberCount; i++) business |= f.Members[i].R420a == 1;
        f.R506 = Account.Draw(rng, w, 0.7);
        if (business && f.R506 == 2 && rng.Chance(0.3)) f.R506 = 3;
    }

    private short Herd(double p, int mean)
    {
        if (!_rng.Chance(p)) return 0;
        return (short)(1 + (int)(Math.Abs(_rng.Gaussian()) * mean));
    }

    private double Score(Family f, double w, in RegionSetting region)
    {
        var rng = _rng;
        double s = 0;
        s += f.R303 switch { 1 or 2 or 3 => 1.0, 4 => 0.8, 5 or 6 => 0.45, _ => 0.0 } * 0.8;
        s += f.R304 switch { 1 => 1.0, 2 or 3 => 0.5, _ => 0.0 } * 0.7;
        s += f.R305 switch { 1 or 2 => 1.0, 3 or 4 or 6 => 0.6, _ => 0.0 } * 0.4;
        s += 0.5 * Math.Clamp(Math.Log(f.R302 / (double)f.LivingSize / 12.0), -1.5, 2.0);
        s += f.R306a switch { 1 or 2 or 3 or 4 => 1.0, 5 or 7 => 0.6, _ => 0.0 } * 0.5;
        s += f.R309a switch { 1 => 1.0, 2 or 3 or 4 => 0.5, _ => 0.0 } * 0.5;
        s += f.R309b == 1 ? 0.2 : 0;
        s += f.R310 is 1 or 2 ? 0.3 : 0;
        s += f.R307a switch { 1 => 0.4 + 0.15 * f.R307b1 + (f.R307b2 != NA ? 0.2 : 0), 2 => 0.3, 3 => 0.2, _ => 0.0 };
        s += f.R308 switch { 1 or 2 or 3 or 5 => 0.6, 4 => 0.4, 0 or 6 => 0.3, _ => 0.0 };
        for (int i = 0; i < 14; i++) if (f.R502[i] == 1) s += AssetScore[i];
        if (f.R503[0] == 1) s += 0.2;
        if (f.R503[1] == 1) s += 0.35;
        s += 0.05 * Math.Min(10, f.R504[0] + f.R504[1]) + 0.02 * Math.Min(10, f.R504[3] + f.R504[4]);

        int adults = 0, working = 0, formal = 0, dependants = 0;
        double headYears = 0, maxYears = 0;
        for (int i = 0; i < f.MemberCount; i++)
        {
            ref var p = ref f.Members[i];
            if (!p.Resident) continue;
            if (p.Age < 15 || p.Age >= 65) dependants++;
            if (p.Age < 15) continue;
            adults++;
            if (p.R416a == 1) working++;
            if (p.R418 is 4 or 5 || p.R418 == 3) formal++;
            double years = SchoolYears(p);
            if (p.Rel == 1) headYears = years;
            if (years > maxYears) maxYears = years;
        }
        s += 0.06 * headYears + 0.04 * maxYears;
        if (adults > 0) s += 0.5 * working / adults;
        s += 0.3 * Math.Min(formal, 2);
        s -= 0.4 * dependants / Math.Max(1, f.LivingSize);
        s += 0.25 * region.ProvinceEffect + (f.UrbanRural == 1 ? 0.2 : 0);
        s += 0.35 * rng.Gaussian();
        return s;
    }

    private static double SchoolYears(in Person p) => p.R412 != 2 && p.R412 != 3 ? 0 : p.R415 switch
    {
        23 => p.R414 is > 0 and < 8 ? p.R414 : 3,
        1 or 2 or 3 or 4 or 5 => 6,
        6 or 7 or 8 or 9 or 10 => 9,
        11 or 12 or 13 or 14 or 15 or 16 or 17 => 12,
        18 => 14,
        19 => 16,
        20 => 17,
        21 => 18,
        22 => 21,
        _ => 0,
    };

    private void Programmes(Family f, double score)
    {
        var rng = _rng;
        // Targeting follows welfare with leakage and exclusion: the poorer, the likelier.
        double poor = WelfareRanking.PoorIndex(score); // about N(0,1), higher = poorer
        bool farmer = false, schoolChild = false;
        for (int i = 0; i < f.MemberCount; i++)
        {
            ref var p = ref f.Members[i];
            farmer |= p.R417 is >= 1 and <= 3;
            schoolChild |= p.R412 == 2;
        }
        f.R501[0] = Yes(Stats.Logistic(-1.6 + 1.3 * poor));                                        // BPNT/Sembako
        f.R501[1] = Yes(Stats.Logistic(-2.3 + 1.3 * poor + (schoolChild ? 0.4 : 0)));               // PKH
        f.R501[2] = f.UrbanRural == 2 ? Yes(Stats.Logistic(-2.2 + 0.9 * poor)) : Yes(0.01);          // BLT Desa
        f.R501[3] = Yes(f.R307b1 == 1 ? 0.85 : f.R307b1 == 2 ? 0.15 : 0.01);                        // electricity subsidy
        f.R501[4] = Yes(Stats.Logistic(-3.0 + 0.6 * poor));                                        // regional government
        f.R501[5] = Yes(farmer ? 0.45 : 0.01);                                                     // fertiliser subsidy
        f.R501[6] = Yes(f.R308 == 4 ? 0.75 : 0.02);                                               // LPG subsidy (3 kg)
    }

    private short Yes(double p) => (short)(_rng.Chance(p) ? 1 : 2);
}
