using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Convey.Testing;

/// <summary>One <see cref="LoggerMessageAttribute"/> method: the event it logs and where it is declared.</summary>
internal sealed record LogEvent(int Id, string? Name, LogLevel Level, string Method);

/// <summary>
/// Holds an assembly's log to its table of event ids (<c>CoreLogEvents</c>, <c>ProxyLogEvents</c>, …): every
/// <c>[LoggerMessage]</c> names an explicit id from the table, within the assembly's range, used once, with the
/// constant's name as the event's name; every constant of the table is used.
/// </summary>
internal static class LogEventTable
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static |
                                          BindingFlags.Instance | BindingFlags.DeclaredOnly;

    /// <summary>Every <c>[LoggerMessage]</c> method declared in <paramref name="assembly"/>.</summary>
    public static IReadOnlyList<LogEvent> EventsOf(Assembly assembly) => EventsOf(assembly.GetTypes());

    /// <summary>Every <c>[LoggerMessage]</c> method declared by <paramref name="types"/>.</summary>
    public static IReadOnlyList<LogEvent> EventsOf(IEnumerable<Type> types) =>
        [.. from type in types
            from method in type.GetMethods(Declared)
            let attribute = method.GetCustomAttribute<LoggerMessageAttribute>()
            where attribute is not null
            select new LogEvent(attribute.EventId, attribute.EventName, attribute.Level, $"{type.FullName}.{method.Name}")];

    /// <summary>Fails with every way <paramref name="table"/>'s assembly departs from the table, if any.</summary>
    public static void AssertFollowed(Type table, int first, int last)
    {
        var events = EventsOf(table.Assembly);
        Assert.NotEmpty(events);
        var problems = Problems(events, table, first, last);
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    /// <summary>What is wrong with <paramref name="events"/> measured against <paramref name="table"/>: one line each.</summary>
    public static IReadOnlyList<string> Problems(IReadOnlyList<LogEvent> events, Type table, int first, int last)
    {
        var problems = new List<string>();
        var entries = table.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(int))
            .ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!);

        foreach (var (name, id) in entries)
        {
            if (id < first || id > last)
            {
                problems.Add($"{table.Name}.{name} = {id} is outside {first}-{last}");
            }
        }

        foreach (var clash in entries.GroupBy(e => e.Value).Where(g => g.Count() > 1))
        {
            problems.Add($"{table.Name} gives {clash.Key} to {string.Join(" and ", clash.Select(e => e.Key))}");
        }

        var names = entries.GroupBy(e => e.Value).ToDictionary(g => g.Key, g => g.First().Key);
        foreach (var @event in events)
        {
            if (@event.Id < 0)
            {
                problems.Add($"{@event.Method} has no EventId: give it one from {table.Name}");
            }
            else if (!names.TryGetValue(@event.Id, out var name))
            {
                problems.Add($"{@event.Method} logs event {@event.Id}, which {table.Name} does not list");
            }
            else if (@event.Name != name)
            {
                problems.Add($"{@event.Method} logs event {@event.Id} named '{@event.Name}': name it nameof({table.Name}.{name})");
            }
        }

        foreach (var shared in events.Where(e => e.Id >= 0).GroupBy(e => e.Id).Where(g => g.Count() > 1))
        {
            problems.Add($"Event {shared.Key} is logged by {string.Join(" and ", shared.Select(e => e.Method))}: one id, one message");
        }

        var used = events.Select(e => e.Id).ToHashSet();
        problems.AddRange(entries.Where(e => !used.Contains(e.Value))
            .Select(e => $"{table.Name}.{e.Key} = {e.Value} is logged by no [LoggerMessage]: remove it"));

        return problems;
    }
}
