using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.RawPacket.Engine;

/// <summary>How packets addressed to one frontend are handled: its live state, mode and DSR method.</summary>
/// <param name="Frontend">The frontend's live state (pool, counters).</param>
/// <param name="Mode">Passthrough or DSR.</param>
/// <param name="DsrMethod">L3 or L2 (DSR only).</param>
/// <param name="IdleTimeout">Idle flows are forgotten after this long.</param>
/// <param name="Draining">The frontend was removed or the engine is stopping: established flows pass, new ones are refused.</param>
internal sealed record FrontendRoute(FrontendState Frontend, PacketMode Mode, DsrMethod DsrMethod, TimeSpan IdleTimeout, bool Draining = false);
