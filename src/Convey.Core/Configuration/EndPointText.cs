using System.Globalization;
using System.Net;

namespace Convey.Configuration;

/// <summary>Writes endpoints as the configuration does: <c>10.0.0.1:80</c>, <c>[::1]:80</c>, <c>db.internal:80</c>.</summary>
internal static class EndPointText
{
    /// <summary>The endpoint as it is written in <c>addr</c> (<see cref="DnsEndPoint.ToString"/> would add its address family).</summary>
    public static string Format(EndPoint endPoint) => endPoint switch
    {
        DnsEndPoint dns => string.Create(CultureInfo.InvariantCulture, $"{dns.Host}:{dns.Port}"),
        _ => endPoint.ToString() ?? "",
    };
}
