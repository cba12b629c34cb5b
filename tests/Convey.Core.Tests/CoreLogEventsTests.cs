using Convey.Testing;
using Microsoft.Extensions.Logging;

namespace Convey.Core.Tests;

public partial class CoreLogEventsTests
{
    [Fact]
    public void Every_log_message_of_Core_has_its_own_explicit_event_id_from_CoreLogEvents_within_1000_to_1999() =>
        LogEventTable.AssertFollowed(typeof(CoreLogEvents), 1000, 1999);

    [Fact]
    public void The_table_check_names_every_message_that_departs_from_the_table()
    {
        var problems = LogEventTable.Problems(LogEventTable.EventsOf([typeof(Specimen), typeof(OtherSpecimen)]), typeof(SpecimenEvents), 1000, 1999);

        Assert.Contains(problems, p => p.Contains("Specimen.LogWithoutId has no EventId", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Specimen.LogUnlisted logs event 1500, which SpecimenEvents does not list", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("OtherSpecimen.LogMisnamed logs event 1001 named 'Other'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Event 1001 is logged by", StringComparison.Ordinal));
        Assert.Contains("SpecimenEvents.OutOfRange = 2001 is outside 1000-1999", problems);
        Assert.Contains("SpecimenEvents gives 1002 to Unused and Twin", problems);
        Assert.Contains("SpecimenEvents.Unused = 1002 is logged by no [LoggerMessage]: remove it", problems);
        Assert.DoesNotContain(problems, p => p.StartsWith($"{typeof(Specimen).FullName}.LogListed", StringComparison.Ordinal));
    }

    private static class SpecimenEvents
    {
        public const int Listed = 1001;
        public const int Unused = 1002;
        public const int Twin = 1002;
        public const int OutOfRange = 2001;
    }

    private static partial class Specimen
    {
        [LoggerMessage(EventId = SpecimenEvents.Listed, EventName = nameof(SpecimenEvents.Listed), Level = LogLevel.Information, Message = "listed")]
        public static partial void LogListed(ILogger logger);

        [LoggerMessage(Level = LogLevel.Information, Message = "without id")]
        public static partial void LogWithoutId(ILogger logger);

        [LoggerMessage(EventId = 1500, Level = LogLevel.Information, Message = "unlisted")]
        public static partial void LogUnlisted(ILogger logger);
    }

    // The generator refuses one id twice within a type; across types only the table check sees it.
    private static partial class OtherSpecimen
    {

        [LoggerMessage(EventId = SpecimenEvents.Listed, EventName = "Other", Level = LogLevel.Information, Message = "misnamed")]
        public static partial void LogMisnamed(ILogger logger);
    }
}
