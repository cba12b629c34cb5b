namespace Convey.Health;

/// <summary>A server's new health and why.</summary>
/// <param name="Healthy">The new health.</param>
/// <param name="Reason">A short explanation for the log.</param>
/// <param name="Source">What caused it.</param>
internal readonly record struct HealthChange(bool Healthy, string Reason, HealthTransitionSource Source);
