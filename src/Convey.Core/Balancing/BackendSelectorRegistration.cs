namespace Convey.Balancing;

/// <summary>Makes a balancing policy available under a name; registered in DI, one per policy.</summary>
/// <param name="Name">The name used in <c>balance = "…"</c>.</param>
/// <param name="Factory">Creates a new selector instance for one pool.</param>
internal sealed record BackendSelectorRegistration(string Name, Func<IServiceProvider, IBackendSelector> Factory);
