using System.Text;

namespace Regsosek.Grpc;

/// <summary>
/// The percent-encoding of grpc-message: UTF-8, with every byte outside printable ASCII
/// (0x20-0x7E) and '%' itself written as "%XX".
/// </summary>
public static class GrpcStatusMessage
{
    /// <summary>Encodes a status message for the grpc-message trailer; returns the input when nothing needs escaping.</summary>
    public static string Encode(string message)
    {
        var i = 0;
        while (i < message.Length && !NeedsEscape(message[i]))
            i++;
        if (i == message.Length)
            return message;

        var bytes = Encoding.UTF8.GetBytes(message);
        var sb = new StringBuilder(bytes.Length + 16);
        foreach (var b in bytes)
        {
            if (NeedsEscape((char)b))
                sb.Append('%').Append(HexDigit(b >> 4)).Append(HexDigit(b & 0xF));
            else
                sb.Append((char)b);
        }
        return sb.ToString();
    }

    /// <summary>Decodes a grpc-message value; malformed escapes are kept as they are, as the spec requires.</summary>
    public static string Decode(string encoded)
    {
        if (!encoded.Contains('%'))
            return encoded;
        var bytes = new List<byte>(encoded.Length);
        var run = 0; // start of the current run of unescaped characters
        for (var i = 0; i < encoded.Length; i++)
        {
            if (encoded[i] != '%' || i + 2 >= encoded.Length || !IsHex(encoded[i + 1]) || !IsHex(encoded[i + 2]))
                continue;
            bytes.AddRange(Encoding.UTF8.GetBytes(encoded, run, i - run));
            bytes.Add((byte)(HexValue(encoded[i + 1]) << 4 | HexValue(encoded[i + 2])));
            i += 2;
            run = i + 1;
        }
        bytes.AddRange(Encoding.UTF8.GetBytes(encoded, run, encoded.Length - run));
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool NeedsEscape(char c) => c < 0x20 || c > 0x7E || c == '%';
    private static char HexDigit(int v) => (char)(v < 10 ? '0' + v : 'A' + v - 10);
    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    private static bool IsHex(char c) => c is >= '0' and <= '9' or >= 'A' and <= 'F' or >= 'a' and <= 'f';
}
