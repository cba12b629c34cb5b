using Convey.Bird;

namespace Convey.Bird.Tests;

public class BirdLogEventsTests
{
    [Fact]
    public void Every_log_event_of_Convey_Bird_has_its_own_id_from_the_table_within_5000_5999()
    {
        LogEventTable.AssertFollowed(typeof(BirdLogEvents), 5000, 5999);
    }
}
