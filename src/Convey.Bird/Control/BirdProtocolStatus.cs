namespace Convey.Bird.Control;

/// <summary>
/// A protocol's row of <c>show protocols</c> (table 1002): <c>Name Proto Table State Since Info</c>. A protocol
/// disabled by configuration or by <c>disable</c> is <c>down</c>; enabled, it is <c>up</c>, or <c>start</c> while it
/// comes up (a BGP session connecting).
/// </summary>
/// <param name="Name">The protocol's name.</param>
/// <param name="State">BIRD's state word: <c>up</c>, <c>down</c>, <c>start</c>, <c>stop</c>, <c>feed</c>, <c>flush</c>.</param>
/// <param name="Row">The whole row, as BIRD wrote it.</param>
internal sealed record BirdProtocolStatus(string Name, string State, string Row)
{
    /// <summary>Whether the protocol is enabled (any state but down): its routes are, or are being, exported.</summary>
    public bool IsEnabled => !string.Equals(State, "down", StringComparison.Ordinal);

    /// <summary>The row of protocol <paramref name="name"/> in a reply to <c>show protocols</c>, or null when it has none.</summary>
    public static BirdProtocolStatus? Find(BirdReply reply, string name)
    {
        foreach (var row in reply.Rows(1002))
        {
            var fields = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 4 && string.Equals(fields[0], name, StringComparison.Ordinal))
            {
                return new BirdProtocolStatus(fields[0], fields[3], row.TrimEnd());
            }
        }

        return null;
    }
}
