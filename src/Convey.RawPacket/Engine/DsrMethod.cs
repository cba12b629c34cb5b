namespace Convey.RawPacket.Engine;

/// <summary>How a DSR frontend hands a packet to the chosen server (<c>dsr_method</c>).</summary>
internal enum DsrMethod
{
    /// <summary>Rewrite destination address and port (the original Convey's method); servers rewrite the source of their replies back to the frontend address.</summary>
    L3,

    /// <summary>LVS-DR style: only the destination MAC changes; servers hold the frontend address on loopback.</summary>
    L2,
}
