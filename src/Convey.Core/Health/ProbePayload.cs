using System.Text;

namespace Convey.Health;

/// <summary>
/// The bytes of a UDP probe's request or expected reply, as written in <c>health_check_send</c> and
/// <c>health_check_expect</c>: text sent as UTF-8, or <c>hex:</c> and the bytes in hexadecimal (spaces allowed), for
/// binary protocols such as DNS.
/// </summary>
internal static class ProbePayload
{
    private const string HexPrefix = "hex:";

    /// <summary>The bytes <paramref name="text"/> stands for; false with the reason when its hexadecimal is malformed.</summary>
    public static bool TryParse(string text, out byte[] bytes, out string error)
    {
        error = "";
        if (!text.StartsWith(HexPrefix, StringComparison.OrdinalIgnoreCase))
        {
            bytes = Encoding.UTF8.GetBytes(text);
            return true;
        }

        var digits = text[HexPrefix.Length..].Replace(" ", "", StringComparison.Ordinal);
        try
        {
            bytes = Convert.FromHexString(digits);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            error = $"\"{text}\" is not hexadecimal after 'hex:'; write two hex digits per byte, for example \"hex:00 01 ff\".";
            return false;
        }
    }
}
