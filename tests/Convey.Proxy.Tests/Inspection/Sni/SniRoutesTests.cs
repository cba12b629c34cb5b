using System.Text;
using Convey.Proxy.Inspection.Sni;

namespace Convey.Proxy.Tests.Inspection.Sni;

public class SniRoutesTests
{
    private static readonly SniRoutes Routes = new(new Dictionary<string, string>
    {
        ["api.example.com"] = "api",
        ["*.example.com"] = "web",
        ["*.eu.example.com"] = "eu",
        ["example.org"] = "org",
    });

    [Theory]
    [InlineData("api.example.com", "api")]
    [InlineData("www.example.com", "web")]
    [InlineData("a.b.c.example.com", "web")]
    [InlineData("shop.eu.example.com", "eu")]
    [InlineData("eu.example.com", "web")]
    [InlineData("example.org", "org")]
    public void An_exact_name_wins_then_the_longest_wildcard(string name, string pool) => Assert.Equal(pool, Find(name));

    [Theory]
    [InlineData("example.com")]
    [InlineData("www.example.org")]
    [InlineData("apiexample.com")]
    [InlineData("com")]
    public void A_name_no_route_matches_has_no_pool(string name) => Assert.Null(Find(name));

    private static string? Find(string name) => Routes.Find(Encoding.ASCII.GetBytes(name));
}
