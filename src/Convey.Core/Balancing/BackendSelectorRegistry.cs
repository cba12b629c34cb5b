namespace Convey.Balancing;

/// <summary>Looks up balancing policies by name and creates a selector per pool. Later registrations of a name win.</summary>
internal sealed class BackendSelectorRegistry
{
    private readonly Dictionary<string, BackendSelectorRegistration> _registrations;
    private readonly IServiceProvider _services;

    /// <summary>Creates the registry from every registered policy.</summary>
    public BackendSelectorRegistry(IEnumerable<BackendSelectorRegistration> registrations, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(registrations);
        _services = services;
        _registrations = new Dictionary<string, BackendSelectorRegistration>(StringComparer.Ordinal);
        foreach (var registration in registrations)
        {
            _registrations[registration.Name] = registration;
        }
    }

    /// <summary>The names of every known policy.</summary>
    public IReadOnlyCollection<string> Names => _registrations.Keys;

    /// <summary>Whether a policy of that name is registered.</summary>
    public bool Contains(string name) => _registrations.ContainsKey(name);

    /// <summary>Creates a new selector of the named policy.</summary>
    /// <exception cref="KeyNotFoundException">No policy of that name is registered.</exception>
    public IBackendSelector Create(string name) =>
        _registrations.TryGetValue(name, out var registration)
            ? registration.Factory(_services)
            : throw new KeyNotFoundException($"No balancing policy named '{name}'. Known: {string.Join(", ", Names.Order(StringComparer.Ordinal))}.");
}
