using System.Reflection;
using System.Text.RegularExpressions;
using Convey.Host.Tests.Infrastructure;
using Convey.Testing;

namespace Convey.Host.Tests;

public partial class LogEventsDocumentTests
{
    [Fact]
    public void Operations_document_lists_every_log_event_of_every_assembly_with_its_level_and_name_and_no_other()
    {
        var code = new[] { "Convey.Core", "Convey.Proxy", "Convey.RawPacket", "Convey.Bird", "Convey.Etcd" }
            .Select(name => Assembly.Load(new AssemblyName(name)))
            .Append(typeof(HostLogEvents).Assembly)
            .SelectMany(LogEventTable.EventsOf)
            .Select(e => $"{e.Id} {e.Level} {e.Name}")
            .ToHashSet();
        var documented = DocumentedEvents();

        Assert.True(code.Count > 40, $"only {code.Count} log events found in the code");
        Assert.Empty(code.Except(documented).Order());
        Assert.Empty(documented.Except(code).Order());
    }

    private static HashSet<string> DocumentedEvents()
    {
        var lines = File.ReadAllLines(Path.Combine(HostBinary.RepositoryRoot, "docs", "operations.md"));
        var start = Array.IndexOf(lines, "### Log events");
        Assert.True(start >= 0, "docs/operations.md has no '### Log events' section");
        var rows = lines.Skip(start + 1)
            .TakeWhile(line => !line.StartsWith("## ", StringComparison.Ordinal))
            .Select(line => Row().Match(line))
            .Where(match => match.Success)
            .ToList();
        Assert.All(rows, row => Assert.True(
            row.Groups["meaning"].Value.Trim().Length > 0 && row.Groups["todo"].Value.Trim().Length > 0,
            $"event {row.Groups["id"].Value} needs a meaning and what to do"));
        return [.. rows.Select(row => $"{row.Groups["id"].Value} {row.Groups["level"].Value} {row.Groups["name"].Value}")];
    }

    [GeneratedRegex(@"^\| (?<id>\d+) \| (?<level>\w+) \| (?<name>\w+) \|(?<meaning>[^|]*)\|(?<todo>[^|]*)\|$")]
    private static partial Regex Row();
}
