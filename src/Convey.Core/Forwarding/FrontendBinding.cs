using Convey.Configuration;
using Convey.Forwarding;

namespace Convey.Forwarding;

/// <summary>A frontend's settings, mode and pool as one immutable unit, swapped as a whole on reload.</summary>
/// <param name="Config">The frontend's settings.</param>
/// <param name="Mode">The resolved forwarding mode.</param>
/// <param name="Pool">The pool serving the frontend.</param>
internal sealed record FrontendBinding(FrontendConfig Config, string Mode, BackendPool Pool);
