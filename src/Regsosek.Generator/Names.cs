using System.Text;

namespace Regsosek.Generator;

/// <summary>
/// Indonesian personal names by region (modest lists), pre-encoded as UTF-8 so names are
/// assembled into a reusable buffer without allocating. Conventions: Batak, Minahasa, eastern
/// Indonesian, Papuan and Chinese-Indonesian names carry a family name (marga, fam, clan,
/// adopted surname) shared by the head's children; Balinese names take I/Ni and a birth-order name.
/// </summary>
internal static class Names
{
    private sealed record Pool(byte[][] Male, byte[][] Female, byte[][]? Surnames);

    private static byte[][] U(params string[] names) => names.Select(Encoding.UTF8.GetBytes).ToArray();

    private static readonly Pool[] Pools = BuildPools();

    private static readonly byte[][] BaliOrder = U("Wayan", "Made", "Nyoman", "Ketut", "Putu", "Kadek", "Komang", "Gede");

    private static Pool[] BuildPools()
    {
        var p = new Pool[Enum.GetValues<NamePool>().Length];
        p[(int)NamePool.Aceh] = new(U("Teuku Fauzan", "Muhammad Iqbal", "Zulkifli", "Fadli", "Munawar", "Safrizal", "Rizki", "Teuku Irfan", "Azhari", "Mukhlis", "Khairul", "Saiful", "Jamaluddin", "Husaini", "Nasrullah"),
                                    U("Cut Nyak Dien", "Nurhayati", "Cut Mutia", "Rahmah", "Khairunnisa", "Fitri", "Safriani", "Nurul Aini", "Mulyani", "Rosmawati", "Salmiah", "Zahratul"), null);
        p[(int)NamePool.Batak] = new(U("Rudi", "Togar", "Parlindungan", "Hotman", "Benny", "Sahat", "Jonathan", "Marihot", "Frans", "Tigor", "Andreas", "Roy"),
                                     U("Rosmawati", "Dewi", "Lestari", "Nurhaida", "Tiurma", "Maria", "Rugun", "Lasma", "Sondang", "Evi", "Ruth", "Melati"),
                                     U("Simanjuntak", "Siregar", "Nasution", "Harahap", "Sitompul", "Hutapea", "Pardede", "Sinaga", "Simatupang", "Panjaitan", "Lubis", "Situmorang", "Manurung", "Sihombing", "Tambunan", "Silalahi"));
        p[(int)NamePool.Minang] = new(U("Afrizal", "Yusrizal", "Hendri", "Zulhendri", "Syafrizal", "Buyung", "Irwan", "Datuk Rajo", "Fadhil", "Rahmat", "Arief", "Ikhsan"),
                                      U("Yusnimar", "Rosna", "Fitriani", "Yenni", "Desmawati", "Nurjanah", "Upik", "Rahmi", "Syafriati", "Elvira", "Mardiah", "Suci"), null);
        p[(int)NamePool.Melayu] = new(U("Abdul Rahman", "Syahrial", "Zainal", "Hasan", "Ismail", "Rusli", "Fauzi", "Amran", "Herman", "Junaidi", "Mahmud", "Ridwan", "Hamdan", "Yusuf", "Arifin"),
                                      U("Siti Aminah", "Nurul Huda", "Rohani", "Zubaidah", "Halimah", "Maimunah", "Aisyah", "Fatimah", "Juriah", "Rosnah", "Nurlela", "Salmah"), null);
        p[(int)NamePool.Jawa] = new(U("Budi Santoso", "Slamet", "Sugeng Riyadi", "Agus Setiawan", "Bambang", "Joko Susilo", "Eko Prasetyo", "Wahyu Hidayat", "Sutrisno", "Suparman", "Hadi Purnomo", "Dwi Cahyono", "Teguh", "Suyanto", "Heru Wibowo", "Rizky Pratama", "Adi Nugroho", "Tri Wahyudi", "Sumarno", "Gunawan"),
                                    U("Sri Wahyuni", "Siti Rahayu", "Endang Lestari", "Sulastri", "Suwarni", "Dewi Kusuma", "Tri Handayani", "Rina Wati", "Sumiati", "Puji Astuti", "Ayu Lestari", "Kartini", "Yuliani", "Nur Hidayah", "Wulandari", "Sri Mulyani", "Tutik", "Ratna Sari"), null);
        p[(int)NamePool.Sunda] = new(U("Asep Saepudin", "Ujang", "Dede Kurnia", "Cecep", "Yayan Sopyan", "Dadang", "Engkus", "Ade Rohman", "Iwan Setiawan", "Deden", "Ujang Suherman", "Aep", "Mamat", "Rahmat Hidayat", "Tatang", "Jajang"),
                                     U("Euis", "Neneng", "Imas", "Cucu Sumarni", "Iis Rosita", "Yeni", "Tati Rohaeti", "Enung", "Lilis", "Nining", "Dedeh", "Nyai Atikah", "Siti Nurjanah", "Rina Marlina", "Ai Sumiati", "Entin"), null);
        p[(int)NamePool.Betawi] = new(U("Muhammad Rasyid", "Haji Mamat", "Rojali", "Sabeni", "Mursid", "Zakaria", "Ahmad Fauzi", "Bang Jali", "Rahmat", "Ridwan"),
                                      U("Mpok Romlah", "Aminah", "Munah", "Zaenab", "Rohimah", "Maisaroh", "Jubaedah", "Siti Khodijah", "Nurhasanah", "Mariam"), null);
        p[(int)NamePool.Bali] = new(U("Sudarta", "Arta", "Gede Suardana", "Sukadana", "Budiasa", "Widiana", "Mertayasa", "Suarjana", "Parwata", "Darmawan"),
                                    U("Sri Astuti", "Ayu", "Sukerni", "Suastini", "Ratih", "Wartini", "Ariani", "Sumerti", "Puspawati", "Dewi"), null);
        p[(int)NamePool.Sasak] = new(U("Lalu Muhammad", "Baiq Sahnan", "Hirwan", "Sahnun", "Lalu Ahmad", "Mahsun", "Zulkarnain", "Hamdi", "Supardi", "Sahabudin"),
                                     U("Baiq Nurul", "Baiq Rahmawati", "Inaq Sumiati", "Nurhidayati", "Rohaini", "Saudah", "Mariani", "Hartini", "Sahnah", "Ida Royani"), null);
        p[(int)NamePool.Bugis] = new(U("Andi Baso", "La Ode Hasan", "Muhammad Arif", "Syamsuddin", "Ambo Dalle", "Haeruddin", "Basri", "Amiruddin", "Ismail", "Sulaiman", "Nasaruddin", "Jufri"),
                                     U("Andi Nurhayati", "Hasnah", "Sitti Rahmah", "Besse", "Hamsinah", "Nurhaedah", "Rahmawati", "Indo Tang", "Hajrah", "Sukmawati", "Nurbaya", "Marwah"), null);
        p[(int)NamePool.Minahasa] = new(U("Johanis", "Stevanus", "Frangky", "Jeffry", "Ronald", "Maxi", "Deisy", "Hendrik", "Alfrets", "Novry"),
                                        U("Meiske", "Grace", "Jeane", "Femmy", "Olivia", "Lenny", "Vivi", "Marlyn", "Christine", "Debby"),
                                        U("Wenas", "Rumengan", "Lumenta", "Sondakh", "Tumbelaka", "Mandagi", "Pangemanan", "Kaunang", "Wuisan", "Rorimpandey"));
        p[(int)NamePool.Timur] = new(U("Yohanes", "Petrus", "Markus", "Yosef", "Agustinus", "Frans", "Simon", "Daniel", "Paulus", "Lukas", "Yakobus", "Dominikus"),
                                     U("Maria", "Yuliana", "Magdalena", "Agustina", "Fransiska", "Elisabeth", "Theresia", "Veronika", "Yosefina", "Martha", "Rosalia", "Katarina"),
                                     U("Fernandez", "Da Costa", "Lewerissa", "Pattimura", "Ndun", "Benu", "Tefa", "Manafe", "Ratu", "Leki", "Kalakmabin", "Sopacua", "Tuhumury", "Seran"));
        p[(int)NamePool.Papua] = new(U("Yakob", "Otniel", "Nataniel", "Yance", "Markus", "Ruben", "Habel", "Elias", "Niko", "Obed", "Yulius", "Demianus"),
                                     U("Yosina", "Naomi", "Ester", "Debora", "Mince", "Yuliana", "Selfina", "Marice", "Agnes", "Frederika", "Lince", "Rahel"),
                                     U("Wenda", "Tabuni", "Wonda", "Yikwa", "Kogoya", "Rumbiak", "Wanggai", "Mandowen", "Karubaba", "Kambu", "Itlay", "Murib", "Mote", "Gobay", "Pigai", "Yoman"));
        p[(int)NamePool.Tionghoa] = new(U("Hendra", "Budi", "Rudy", "Andi", "Kevin", "Sutrisno", "Hartono", "Wilson", "Jimmy", "Steven", "Felix", "Ricky"),
                                        U("Lili", "Mei Ling", "Susanti", "Linda", "Yenny", "Melinda", "Jessica", "Fenny", "Cynthia", "Vivian", "Monica", "Lanny"),
                                        U("Wijaya", "Tanoto", "Gunawan", "Halim", "Salim", "Tanujaya", "Kurniawan", "Santoso", "Hartanto", "Lim", "Tjandra", "Susanto"));
        return p;
    }

    /// <summary>True when the pool's names carry a family name shared in the family.</summary>
    public static bool HasSurname(NamePool pool) => Pools[(int)pool].Surnames is not null;

    /// <summary>A family-name index for the pool (meaningful when <see cref="HasSurname"/>).</summary>
    public static int DrawSurname(NamePool pool, Rng rng) => Pools[(int)pool].Surnames is { } s ? rng.Next(s.Length) : 0;

    /// <summary>
    /// Writes a name into <paramref name="buffer"/> and returns its length. <paramref name="birthOrder"/>
    /// is used by Balinese names (0-based); <paramref name="surname"/> by pools with family names.
    /// </summary>
    public static int Write(Span<byte> buffer, NamePool pool, bool female, int surname, int birthOrder, Rng rng)
    {
        var p = Pools[(int)pool];
        int n = 0;
        if (pool == NamePool.Bali)
        {
            n = Append(buffer, n, female ? "Ni "u8 : "I "u8);
            n = Append(buffer, n, BaliOrder[Math.Min(birthOrder, 3) + (rng.Next(4) == 0 ? 4 : 0)]);
            buffer[n++] = (byte)' ';
        }
        var given = female ? p.Female : p.Male;
        n = Append(buffer, n, given[rng.Next(given.Length)]);
        if (p.Surnames is { } s)
        {
            buffer[n++] = (byte)' ';
            n = Append(buffer, n, s[surname % s.Length]);
        }
        return n;
    }

    private static int Append(Span<byte> buffer, int at, ReadOnlySpan<byte> text)
    {
        text.CopyTo(buffer[at..]);
        return at + text.Length;
    }

    /// <summary>Street names for addresses.</summary>
    public static readonly byte[][] Streets = U("Merdeka", "Sudirman", "Diponegoro", "Ahmad Yani", "Gatot Subroto", "Pahlawan", "Kenanga", "Melati", "Mawar", "Flamboyan",
        "Cempaka", "Anggrek", "Masjid", "Pasar Baru", "Raya", "Kartini", "Imam Bonjol", "Veteran", "Pemuda", "Hasanuddin", "Teuku Umar", "Cut Nyak Dien", "Gajah Mada",
        "Hayam Wuruk", "Sisingamangaraja", "Pattimura", "Sam Ratulangi", "Sultan Agung", "Pramuka", "Kamboja");

    /// <summary>Hamlet (dusun) names for rural addresses.</summary>
    public static readonly byte[][] Hamlets = U("Krajan", "Sukamaju", "Sidomulyo", "Karanganyar", "Sumber Rejo", "Mekarsari", "Tanjung", "Kampung Baru", "Suka Damai", "Mulyorejo",
        "Harapan Jaya", "Bukit Indah", "Lubuk", "Pematang", "Sungai Are");
}
