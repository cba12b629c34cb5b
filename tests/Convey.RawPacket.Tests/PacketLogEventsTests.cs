using Convey.Testing;

namespace Convey.RawPacket.Tests;

public class PacketLogEventsTests
{
    [Fact]
    public void Every_log_message_of_RawPacket_has_its_own_explicit_event_id_from_PacketLogEvents_within_3000_to_3999() =>
        LogEventTable.AssertFollowed(typeof(PacketLogEvents), 3000, 3999);
}
