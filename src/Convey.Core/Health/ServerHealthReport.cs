using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Health;

/// <summary>One piece of news about a server on its way to its pool's health monitor: a probe's outcome, or a connect failure an engine reported.</summary>
/// <param name="Server">The server it is about.</param>
/// <param name="Result">What was observed.</param>
/// <param name="Source">Who observed it.</param>
internal readonly record struct ServerHealthReport(ServerState Server, HealthProbeResult Result, HealthTransitionSource Source);
