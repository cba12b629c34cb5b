using Convey.Etcd;

namespace Convey.Etcd.Tests;

public class EtcdLogEventsTests
{
    [Fact]
    public void Every_log_message_of_Etcd_has_its_own_explicit_event_id_from_EtcdLogEvents_within_6000_to_6999() =>
        LogEventTable.AssertFollowed(typeof(EtcdLogEvents), 6000, 6999);
}
