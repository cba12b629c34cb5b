using Convey.Testing;

namespace Convey.Host.Tests;

public class HostLogEventsTests
{
    [Fact]
    public void Every_log_message_of_the_host_has_its_own_explicit_event_id_from_HostLogEvents_within_4000_to_4999() =>
        LogEventTable.AssertFollowed(typeof(HostLogEvents), 4000, 4999);
}
