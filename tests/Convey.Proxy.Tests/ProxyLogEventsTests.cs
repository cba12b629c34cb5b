using Convey.Testing;

namespace Convey.Proxy.Tests;

public class ProxyLogEventsTests
{
    [Fact]
    public void Every_log_message_of_Proxy_has_its_own_explicit_event_id_from_ProxyLogEvents_within_2000_to_2999() =>
        LogEventTable.AssertFollowed(typeof(ProxyLogEvents), 2000, 2999);
}
