using System.Runtime.InteropServices;

namespace Regsosek.DuckDb;

/// <summary>
/// duckdb_list_entry: one row of a LIST vector, the range [Offset, Offset + Length) of its
/// child vector (<see cref="DuckDbVector.ListChild"/>).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct DuckDbListEntry(ulong Offset, ulong Length);
