namespace Convey.RawPacket.Engine;

/// <summary>Where one received packet lies in a receive ring.</summary>
/// <param name="Offset">Where its IP header starts, from the ring's start.</param>
/// <param name="Captured">Bytes of it in the ring.</param>
/// <param name="WireLength">Its whole length (more than <paramref name="Captured"/> when its frame could not hold it).</param>
/// <param name="Status">The kernel's <c>tp_status</c> bits (TP_STATUS_CSUMNOTREADY, TP_STATUS_COPY among them).</param>
internal readonly record struct RingPacket(int Offset, int Captured, int WireLength, uint Status);
