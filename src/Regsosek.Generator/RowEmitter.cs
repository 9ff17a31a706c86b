using System.Buffers.Text;

namespace Regsosek.Generator;

/// <summary>
/// Writes simulated families of one regency as rows of keluarga and individu, adding what only the
/// written data needs, from the regency's identity stream: names, NIK, KK number, birth dates,
/// SLS codes, addresses, phone numbers, coordinates and record keys.
/// </summary>
internal sealed class RowEmitter
{
    /// <summary>Reference date of the enumeration (REGSOSEK 2022 ran from 15 October to 14 November 2022).</summary>
    public static readonly DateOnly ReferenceDate = new(2022, 10, 15);

    private const int FamiliesPerSls = 60;
    private const int NikDaySlots = 100 * 12 * 31;
    private const int KkFirstYear = 2005, KkYears = 18;

    /// <summary>DateOnly.DayNumber of 1970-01-01: a DATE in a DuckDB vector is days since then.</summary>
    private const int UnixEpochDay = 719_162;
    private static readonly int[] AgeStartDay = new int[131];
    private static readonly int[] AgeDays = new int[131];

    private static readonly byte[][] PhonePrefixes = "811 812 813 821 822 823 852 853 814 815 816 855 856 857 858 817 818 819 859 877 878 831 832 833 838 881 882 883 895 896 897 898 899"
        .Split(' ').Select(s => System.Text.Encoding.ASCII.GetBytes(s)).ToArray();

    static RowEmitter()
    {
        for (int age = 0; age <= 130; age++)
        {
            // Age a on the reference date: born from the day after ref − (a+1) years through ref − a years.
            var first = ReferenceDate.AddYears(-(age + 1)).AddDays(1);
            var last = ReferenceDate.AddYears(-age);
            AgeStartDay[age] = first.DayNumber - UnixEpochDay;
            AgeDays[age] = last.DayNumber - first.DayNumber + 1;
        }
    }

    private readonly Rng _rng;
    private readonly TableBuffer _k;
    private readonly TableBuffer _i;
    private readonly KeluargaColumns _kc;
    private readonly IndividuColumns _ic;
    private readonly WelfareRanking _ranking;
    private readonly ProvinceProfile _province;
    private readonly Regency _regency;
    private readonly int[] _districtIndex;
    private readonly ushort[] _nikSerial;
    private readonly ushort[] _kkSerial;
    private readonly double[] _poolCumulative;
    private readonly (NamePool Pool, double Weight)[] _pools;
    private readonly byte[] _scratch = new byte[128];
    private readonly byte[] _headName = new byte[128];
    private readonly double _regLat, _regLon;

    // Current village state.
    private Village? _village;
    private int _villageDistrictIndex;
    private int _familyInVillage;
    private int _buildingInSls;
    private double _villageLat, _villageLon;
    private long _familySequence;

    public RowEmitter(Rng identity, TableBuffer keluarga, TableBuffer individu, WelfareRanking ranking, ProvinceProfile province, Regency regency, EmitterScratch scratch)
    {
        _rng = identity;
        _k = keluarga;
        _i = individu;
        _kc = new KeluargaColumns(keluarga);
        _ic = new IndividuColumns(individu);
        _ranking = ranking;
        _province = province;
        _regency = regency;
        int maxDistrict = regency.Villages.Max(v => v.DistrictCode % 100) + 1;
        _districtIndex = new int[maxDistrict];
        Array.Fill(_districtIndex, -1);
        int d = 0;
        foreach (var code in regency.Villages.Select(v => v.DistrictCode).Distinct())
            _districtIndex[code % 100] = d++;
        _nikSerial = scratch.Rent(0, d * NikDaySlots * 2);
        _kkSerial = scratch.Rent(1, d * KkYears * 372);
        _pools = province.Names;
        _poolCumulative = new double[_pools.Length];
        double total = _pools.Sum(p => p.Weight), run = 0;
        for (int i = 0; i < _pools.Length; i++) { run += _pools[i].Weight / total; _poolCumulative[i] = run; }
        _poolCumulative[^1] = 1;
        _regLat = province.Latitude + (Rng.HashUnit((ulong)regency.Code, 11) * 2 - 1) * province.Spread * 0.7;
        _regLon = province.Longitude + (Rng.HashUnit((ulong)regency.Code, 12) * 2 - 1) * province.Spread * 0.7;
    }

    /// <summary>Starts the families of a village.</summary>
    public void BeginVillage(Village village)
    {
        _village = village;
        _villageDistrictIndex = _districtIndex[village.DistrictCode % 100];
        _familyInVillage = 0;
        _buildingInSls = 0;
        double spread = _province.Spread * 0.3;
        _villageLat = _regLat + (Rng.HashUnit((ulong)village.Code, 13) * 2 - 1) * spread;
        _villageLon = _regLon + (Rng.HashUnit((ulong)village.Code, 14) * 2 - 1) * spread;
    }

    /// <summary>Writes a family and its members.</summary>
    public void Emit(Family f)
    {
        var v = _village ?? throw new InvalidOperationException("BeginVillage first");
        var rng = _rng;
        long familyId = _regency.Code * 10_000_000_000L + ++_familySequence;
        byte desil = _ranking.Desil(f.ScoreBin), percentile = _ranking.Percentile(f.ScoreBin);
        int sls = _familyInVillage / FamiliesPerSls + 1;
        int familyInSls = _familyInVillage % FamiliesPerSls + 1;
        if (familyInSls == 1) _buildingInSls = 0;
        if (familyInSls == 1 || !rng.Chance(0.06)) _buildingInSls++; // some buildings house two families
        _familyInVillage++;
        int rt = (sls - 1) % 8 + 1, rw = (sls - 1) / 8 + 1;

        // Members first: the head's name is 108.
        var pool = DrawPool();
        int surname = Names.DrawSurname(pool, rng);
        int headNameLength = 0;
        var ib = _i;
        var ic = _ic;
        for (int m = 0; m < f.MemberCount; m++)
        {
            ref var p = ref f.Members[m];
            bool resident = p.Resident;
            ib.Set(ic.PersonId, familyId * 100 + m + 1);
            ib.Set(ic.FamilyId, familyId);
            ib.Set(ic.DistrictCode, v.DistrictCode);
            ib.Set(ic.VillageCode, v.Code);
            ib.Set(ic.UrbanRural, f.UrbanRural);
            ib.Set(ic.R401, m + 1);
            // A spouse or child-in-law brings a family name of their own.
            int ownSurname = p.Rel is 2 or 4 or 7 or 8 ? Names.DrawSurname(pool, rng) : surname;
            var nameSpan = ib.StringSpan(ic.R402);
            int nameLength = Names.Write(nameSpan, pool, p.Sex == 2, ownSurname, p.ChildOrder, rng);
            ib.CommitString(ic.R402, nameLength);
            if (m == 0) { nameSpan[..nameLength].CopyTo(_headName); headNameLength = nameLength; }

            int birthDay = AgeStartDay[p.Age] + rng.Next(AgeDays[p.Age]);
            WriteNik(ib.StringSpan(ic.R403), birthDay, p.Sex == 2);
            ib.CommitString(ic.R403, 16);
            ib.Set(ic.R404, p.Status);
            if (resident)
            {
                ib.Set(ic.R405, p.Sex);
                ib.Set(ic.R406, birthDay);
                ib.Set(ic.R407, p.Age);
                ib.Set(ic.R408, p.Marital);
                ib.Set(ic.R409, p.Rel);
            }
            ib.Answer(ic.R410, p.R410);
            ib.Answer(ic.R411, p.R411);
            ib.Answer(ic.R412, p.R412);
            ib.Answer(ic.R413, p.R413);
            ib.Answer(ic.R414, p.R414);
            ib.Answer(ic.R415, p.R415);
            ib.Answer(ic.R416a, p.R416a);
            ib.Answer(ic.R416b, p.R416b);
            ib.Answer(ic.R417, p.R417);
            ib.Answer(ic.R418, p.R418);
            ib.Answer(ic.R419, p.R419);
            ib.Answer(ic.R420a, p.R420a);
            ib.Answer(ic.R420b, p.R420b);
            ib.Answer(ic.R421, p.R421);
            ib.Answer(ic.R422, p.R422);
            ib.Answer(ic.R423, p.R423);
            ib.Answer(ic.R424, p.R424);
            ib.Answer(ic.R425, p.R425);
            ib.Answer(ic.R426, p.R426);
            ib.Answer(ic.R427, p.R427);
            for (int q = 0; q < 10; q++) ib.Answer(ic.R428[q], p.R428[q]);
            ib.Answer(ic.R429, p.R429);
            ib.Answer(ic.R430, p.R430);
            ib.Answer(ic.R431a, p.R431a);
            ib.Answer(ic.R431b, p.R431b);
            ib.Answer(ic.R431c, p.R431c);
            ib.Answer(ic.R431d, p.R431d);
            ib.Answer(ic.R431e, p.R431e);
            ib.Answer(ic.R431f, p.R431f);
            ib.Set(ic.Desil, desil);
            ib.Set(ic.Percentile, percentile);
            ib.Set(ic.RecordKey, rng.Next(4096));
            ib.EndRow();
        }

        var kb = _k;
        var kc = _kc;
        kb.Set(kc.FamilyId, familyId);
        kb.Set(kc.DistrictCode, v.DistrictCode);
        kb.Set(kc.VillageCode, v.Code);
        kb.Set(kc.UrbanRural, f.UrbanRural);
        var s = kb.StringSpan(kc.R105);
        int n = Digits(s, 0, sls, 4);
        n = Digits(s, n, 0, 2);
        kb.CommitString(kc.R105, n);
        s = kb.StringSpan(kc.R106);
        n = Text(s, 0, "RT "u8);
        n = Digits(s, n, rt, 3);
        n = Text(s, n, " RW "u8);
        n = Digits(s, n, rw, 3);
        kb.CommitString(kc.R106, n);
        s = kb.StringSpan(kc.R107);
        if (f.UrbanRural == 1 || rng.Chance(0.4))
        {
            n = Text(s, 0, "Jl. "u8);
            n = Text(s, n, Names.Streets[(int)((ulong)(v.Code + sls) % (ulong)Names.Streets.Length)]);
            n = Text(s, n, " No. "u8);
            n = Digits(s, n, _buildingInSls + rng.Next(3), 0);
            n = Text(s, n, ", RT "u8);
        }
        else
        {
            n = Text(s, 0, "Dusun "u8);
            n = Text(s, n, Names.Hamlets[(int)((ulong)(v.Code + rw) % (ulong)Names.Hamlets.Length)]);
            n = Text(s, n, " RT "u8);
        }
        n = Digits(s, n, rt, 3);
        n = Text(s, n, "/RW "u8);
        n = Digits(s, n, rw, 3);
        kb.CommitString(kc.R107, n);
        kb.SetString(kc.R108, _headName.AsSpan(0, headNameLength));
        kb.Set(kc.R109, _buildingInSls);
        kb.Set(kc.R110, familyInSls);
        kb.Set(kc.R111, f.R111);
        kb.Set(kc.R112, f.LivingSize);
        s = kb.StringSpan(kc.R113);
        n = Digits(s, 0, v.Code, 10);
        n = Digits(s, n, sls, 3);
        n = Digits(s, n, 1 + (int)((ulong)v.Code % 7), 2);
        kb.CommitString(kc.R113, n);
        WriteKk(kb.StringSpan(kc.R114));
        kb.CommitString(kc.R114, 16);
        kb.Set(kc.R115, f.R115);
        if (rng.Chance(0.35 + 0.6 * Stats.Logistic(f.Latent + 1.5)))
        {
            s = kb.StringSpan(kc.Phone);
            s[0] = (byte)'0';
            var prefix = PhonePrefixes[rng.Next(PhonePrefixes.Length)];
            prefix.CopyTo(s[1..]);
            n = 1 + prefix.Length;
            n = Digits(s, n, rng.Next(100_000_000), rng.Chance(0.5) ? 8 : 7);
            kb.CommitString(kc.Phone, n);
        }
        double jitter = 0.004 + _province.Spread * 0.01;
        kb.SetDouble(kc.Latitude, Math.Round(Math.Clamp(_villageLat + (rng.NextDouble() * 2 - 1) * jitter, -11.0, 6.0), 6));
        kb.SetDouble(kc.Longitude, Math.Round(Math.Clamp(_villageLon + (rng.NextDouble() * 2 - 1) * jitter, 95.0, 141.0), 6));
        kb.Answer(kc.R301a, f.R301a);
        kb.Answer(kc.R301b, f.R301b);
        kb.Answer(kc.R302, f.R302);
        kb.Answer(kc.R303, f.R303);
        kb.Answer(kc.R304, f.R304);
        kb.Answer(kc.R305, f.R305);
        kb.Answer(kc.R306a, f.R306a);
        kb.Answer(kc.R306b, f.R306b);
        kb.Answer(kc.R307a, f.R307a);
        kb.Answer(kc.R307b1, f.R307b1);
        kb.Answer(kc.R307b2, f.R307b2);
        kb.Answer(kc.R307b3, f.R307b3);
        kb.Answer(kc.R308, f.R308);
        kb.Answer(kc.R309a, f.R309a);
        kb.Answer(kc.R309b, f.R309b);
        kb.Answer(kc.R310, f.R310);
        for (int q = 0; q < 7; q++) kb.Answer(kc.R501[q], f.R501[q]);
        for (int q = 0; q < 14; q++) kb.Answer(kc.R502[q], f.R502[q]);
        for (int q = 0; q < 2; q++) kb.Answer(kc.R503[q], f.R503[q]);
        for (int q = 0; q < 5; q++) kb.Answer(kc.R504[q], f.R504[q]);
        kb.Answer(kc.R505, f.R505);
        kb.Answer(kc.R506, f.R506);
        kb.SetDouble(kc.WelfareScore, WelfareRanking.ScoreOf(f.ScoreBin));
        kb.Set(kc.Desil, desil);
        kb.Set(kc.Percentile, percentile);
        kb.Set(kc.RecordKey, rng.Next(4096));
        kb.EndRow();
    }

    private NamePool DrawPool()
    {
        double u = _rng.NextDouble();
        int i = 0;
        while (i < _poolCumulative.Length - 1 && u >= _poolCumulative[i]) i++;
        return _pools[i].Pool;
    }

    /// <summary>NIK: district (6) + DDMMYY (DD + 40 for women) + serial (4) unique within (district, DDMMYY, sex).</summary>
    private void WriteNik(Span<byte> s, int birthDay, bool female)
    {
        var date = DateOnly.FromDayNumber(birthDay + UnixEpochDay);
        int yy = date.Year % 100;
        int slot = ((yy * 12 + date.Month - 1) * 31 + date.Day - 1) * 2 + (female ? 1 : 0);
        int serial = ++_nikSerial[_villageDistrictIndex * NikDaySlots * 2 + slot];
        if (serial > 9999) throw new InvalidOperationException($"NIK serials exhausted in district {_village!.DistrictCode} for {date:yyyy-MM-dd}");
        int n = Digits(s, 0, _village!.DistrictCode, 6);
        n = Digits(s, n, date.Day + (female ? 40 : 0), 2);
        n = Digits(s, n, date.Month, 2);
        n = Digits(s, n, yy, 2);
        Digits(s, n, serial, 4);
    }

    /// <summary>KK number: district (6) + issue date DDMMYY + serial (4) unique within (district, issue date).</summary>
    private void WriteKk(Span<byte> s)
    {
        int year = KkFirstYear + _rng.Next(KkYears);
        int month = 1 + _rng.Next(12);
        int day = 1 + _rng.Next(28);
        int slot = (year - KkFirstYear) * 372 + (month - 1) * 31 + day - 1;
        int serial = ++_kkSerial[_villageDistrictIndex * KkYears * 372 + slot];
        if (serial > 9999) throw new InvalidOperationException($"KK serials exhausted in district {_village!.DistrictCode}");
        int n = Digits(s, 0, _village!.DistrictCode, 6);
        n = Digits(s, n, day, 2);
        n = Digits(s, n, month, 2);
        n = Digits(s, n, year % 100, 2);
        Digits(s, n, serial, 4);
    }

    /// <summary>Writes <paramref name="value"/> zero-padded to <paramref name="width"/> digits (0 = as many as needed).</summary>
    private static int Digits(Span<byte> s, int at, long value, int width)
    {
        if (width == 0)
        {
            Utf8Formatter.TryFormat(value, s[at..], out int written);
            return at + written;
        }
        for (int i = width - 1; i >= 0; i--)
        {
            s[at + i] = (byte)('0' + value % 10);
            value /= 10;
        }
        return at + width;
    }

    private static int Text(Span<byte> s, int at, ReadOnlySpan<byte> text)
    {
        text.CopyTo(s[at..]);
        return at + text.Length;
    }
}

/// <summary>Serial-number counters reused across the regencies of one worker (cleared on rent).</summary>
internal sealed class EmitterScratch
{
    private readonly ushort[][] _arrays = [[], []];

    public ushort[] Rent(int slot, int length)
    {
        if (_arrays[slot].Length < length) _arrays[slot] = new ushort[length];
        else Array.Clear(_arrays[slot], 0, length);
        return _arrays[slot];
    }
}

/// <summary>Column indexes of the keluarga file, resolved by name from the dictionary.</summary>
internal sealed class KeluargaColumns
{
    public readonly int FamilyId, DistrictCode, VillageCode, UrbanRural, R105, R106, R107, R108, R109, R110, R111, R112, R113, R114, R115, Phone, Latitude, Longitude;
    public readonly int R301a, R301b, R302, R303, R304, R305, R306a, R306b, R307a, R307b1, R307b2, R307b3, R308, R309a, R309b, R310, R505, R506;
    public readonly int WelfareScore, Desil, Percentile, RecordKey;
    public readonly int[] R501, R502, R503, R504;

    public KeluargaColumns(TableBuffer b)
    {
        FamilyId = b.IndexOf("family_id"); DistrictCode = b.IndexOf("district_code"); VillageCode = b.IndexOf("village_code"); UrbanRural = b.IndexOf("urban_rural");
        R105 = b.IndexOf("r105"); R106 = b.IndexOf("r106"); R107 = b.IndexOf("r107"); R108 = b.IndexOf("r108"); R109 = b.IndexOf("r109"); R110 = b.IndexOf("r110");
        R111 = b.IndexOf("r111"); R112 = b.IndexOf("r112"); R113 = b.IndexOf("r113"); R114 = b.IndexOf("r114"); R115 = b.IndexOf("r115");
        Phone = b.IndexOf("respondent_phone"); Latitude = b.IndexOf("latitude"); Longitude = b.IndexOf("longitude");
        R301a = b.IndexOf("r301a"); R301b = b.IndexOf("r301b"); R302 = b.IndexOf("r302"); R303 = b.IndexOf("r303"); R304 = b.IndexOf("r304"); R305 = b.IndexOf("r305");
        R306a = b.IndexOf("r306a"); R306b = b.IndexOf("r306b"); R307a = b.IndexOf("r307a"); R307b1 = b.IndexOf("r307b1"); R307b2 = b.IndexOf("r307b2"); R307b3 = b.IndexOf("r307b3");
        R308 = b.IndexOf("r308"); R309a = b.IndexOf("r309a"); R309b = b.IndexOf("r309b"); R310 = b.IndexOf("r310"); R505 = b.IndexOf("r505"); R506 = b.IndexOf("r506");
        WelfareScore = b.IndexOf("welfare_score"); Desil = b.IndexOf("desil"); Percentile = b.IndexOf("percentile"); RecordKey = b.IndexOf("record_key");
        R501 = "abcdefg".Select(c => b.IndexOf("r501" + c)).ToArray();
        R502 = "abcdefghijklmn".Select(c => b.IndexOf("r502" + c)).ToArray();
        R503 = "ab".Select(c => b.IndexOf("r503" + c)).ToArray();
        R504 = "abcde".Select(c => b.IndexOf("r504" + c)).ToArray();
        b.RequireAllClaimed("keluarga");
    }
}

/// <summary>Column indexes of the individu file, resolved by name from the dictionary.</summary>
internal sealed class IndividuColumns
{
    public readonly int PersonId, FamilyId, DistrictCode, VillageCode, UrbanRural;
    public readonly int R401, R402, R403, R404, R405, R406, R407, R408, R409, R410, R411, R412, R413, R414, R415, R416a, R416b, R417, R418, R419;
    public readonly int R420a, R420b, R421, R422, R423, R424, R425, R426, R427, R429, R430, R431a, R431b, R431c, R431d, R431e, R431f;
    public readonly int Desil, Percentile, RecordKey;
    public readonly int[] R428;

    public IndividuColumns(TableBuffer b)
    {
        PersonId = b.IndexOf("person_id"); FamilyId = b.IndexOf("family_id"); DistrictCode = b.IndexOf("district_code"); VillageCode = b.IndexOf("village_code"); UrbanRural = b.IndexOf("urban_rural");
        R401 = b.IndexOf("r401"); R402 = b.IndexOf("r402"); R403 = b.IndexOf("r403"); R404 = b.IndexOf("r404"); R405 = b.IndexOf("r405"); R406 = b.IndexOf("r406");
        R407 = b.IndexOf("r407"); R408 = b.IndexOf("r408"); R409 = b.IndexOf("r409"); R410 = b.IndexOf("r410"); R411 = b.IndexOf("r411"); R412 = b.IndexOf("r412");
        R413 = b.IndexOf("r413"); R414 = b.IndexOf("r414"); R415 = b.IndexOf("r415"); R416a = b.IndexOf("r416a"); R416b = b.IndexOf("r416b"); R417 = b.IndexOf("r417");
        R418 = b.IndexOf("r418"); R419 = b.IndexOf("r419"); R420a = b.IndexOf("r420a"); R420b = b.IndexOf("r420b"); R421 = b.IndexOf("r421"); R422 = b.IndexOf("r422");
        R423 = b.IndexOf("r423"); R424 = b.IndexOf("r424"); R425 = b.IndexOf("r425"); R426 = b.IndexOf("r426"); R427 = b.IndexOf("r427"); R429 = b.IndexOf("r429");
        R430 = b.IndexOf("r430"); R431a = b.IndexOf("r431a"); R431b = b.IndexOf("r431b"); R431c = b.IndexOf("r431c"); R431d = b.IndexOf("r431d"); R431e = b.IndexOf("r431e");
        R431f = b.IndexOf("r431f"); Desil = b.IndexOf("desil"); Percentile = b.IndexOf("percentile"); RecordKey = b.IndexOf("record_key");
        R428 = "abcdefghij".Select(c => b.IndexOf("r428" + c)).ToArray();
        b.RequireAllClaimed("individu");
    }
}
