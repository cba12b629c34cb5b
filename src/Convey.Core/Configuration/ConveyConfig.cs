using System.Collections.Immutable;
using Convey.Configuration.Toml;

namespace Convey.Configuration;

/// <summary>
/// One immutable configuration snapshot: what the balancer listens on, where it sends flows, and how.
/// Produced by an <see cref="IConfigSource"/>; applied as a whole or not at all. Two snapshots are equal when
/// their contents are (collections compare element by element), whatever their <see cref="Source"/> and <see cref="Revision"/>.
/// </summary>
public sealed record ConveyConfig
{
    /// <summary>Listeners (<c>[frontends.NAME]</c>), each bound to one pool.</summary>
    public ImmutableArray<FrontendConfig> Frontends { get; init; } = [];

    /// <summary>Backend pools (<c>[backends.NAME]</c>) referenced by frontends.</summary>
    public ImmutableArray<BackendPoolConfig> Pools { get; init; } = [];

    /// <summary>
    /// Top-level tables other than frontends and backends, by name (for example <c>stats</c> and <c>passthrough</c>),
    /// read by the part of the balancer that owns each.
    /// </summary>
    public ImmutableDictionary<string, ConfigSettings> Sections { get; init; } = ImmutableDictionary<string, ConfigSettings>.Empty;

    /// <summary>Where this snapshot came from (a file path, "in-memory"), used in messages.</summary>
    public string Source { get; init; } = "in-memory";

    /// <summary>
    /// The source's number for this version of the document, for sources that number their versions (etcd's
    /// revision of the key); null for the others. Shown in <c>/stats</c> as <c>config_revision</c>.
    /// </summary>
    public long? Revision { get; init; }

    /// <summary>Where each key was written, when the snapshot was read from a file; places errors found after reading.</summary>
    internal ConfigSourceMap? SourceMap { get; init; }

    /// <summary>The section <paramref name="name"/>, or no settings when the configuration has none.</summary>
    internal ConfigSettings Section(string name) => Sections.TryGetValue(name, out var section) ? section : ConfigSettings.Empty;

    /// <inheritdoc/>
    public bool Equals(ConveyConfig? other) =>
        other is not null
        && Frontends.SequenceEqual(other.Frontends)
        && Pools.SequenceEqual(other.Pools)
        && Sections.Count == other.Sections.Count
        && Sections.All(s => other.Sections.TryGetValue(s.Key, out var section) && section.Equals(s.Value));

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Frontends.Length, Pools.Length, Sections.Count);
}
