namespace Convey.Configuration;

/// <summary>
/// The host names a server's <c>addr</c> may use (RFC 1123): dot-separated labels of letters, digits and '-', each
/// 1–63 characters and not beginning or ending with '-', at most 253 characters in all (a final dot allowed).
/// A name whose last label is all digits is refused too: it is a mistyped IPv4 address ("10.0.0.300"), not a name.
/// </summary>
internal static class HostNameSyntax
{
    private const int MaxLength = 253;
    private const int MaxLabelLength = 63;

    /// <summary>Whether <paramref name="host"/> is a host name Convey resolves.</summary>
    public static bool IsValid(string host)
    {
        var name = host.EndsWith('.') ? host[..^1] : host;
        if (name.Length is 0 or > MaxLength)
        {
            return false;
        }

        var labels = name.Split('.');
        return labels.All(IsLabel) && !labels[^1].All(char.IsAsciiDigit);
    }

    /// <summary>Whether <paramref name="host"/> reads as a dotted number, that is, an attempt at an IPv4 address.</summary>
    public static bool LooksNumeric(string host) => host.Length > 0 && host.All(c => char.IsAsciiDigit(c) || c == '.');

    private static bool IsLabel(string label) =>
        label.Length is > 0 and <= MaxLabelLength
        && label[0] != '-'
        && label[^1] != '-'
        && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
}
