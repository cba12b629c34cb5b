namespace Convey.Etcd;

/// <summary>
/// Where Convey's configuration lives in etcd and how to reach it: the endpoints of the cluster, the key whose value
/// is the TOML document, TLS and authentication. <c>AddEtcdConfig("etcd://host:2379/key")</c> fills
/// <see cref="Endpoints"/>, <see cref="Key"/> and <see cref="UseTls"/> from a URL; the rest is set here.
/// </summary>
public sealed class EtcdConfigOptions
{
    /// <summary>The client port of etcd, used when an endpoint names none.</summary>
    public const int DefaultPort = 2379;

    /// <summary>The cluster's client endpoints as <c>host:port</c> (<c>[::1]:2379</c> for IPv6); requests go to any that answers.</summary>
    public IList<string> Endpoints { get; } = [];

    /// <summary>
    /// The key whose value is the TOML document, exactly as stored (etcd keys are bytes: <c>convey/config</c> and
    /// <c>/convey/config</c> are two keys). When this key does not exist at start and has no leading slash, the same
    /// key with one is followed if that one exists.
    /// </summary>
    public string Key { get; set; } = "";

    /// <summary>Connect over TLS (<c>etcds://</c> in a URL); the server's certificate is checked against <see cref="TrustedCaFile"/>, or the system's trust store without one.</summary>
    public bool UseTls { get; set; }

    /// <summary>PEM file of the certificate authority that signed the etcd servers' certificates (etcd's <c>--trusted-ca-file</c>); needs <see cref="UseTls"/>.</summary>
    public string? TrustedCaFile { get; set; }

    /// <summary>PEM file of the client certificate, for etcd run with <c>--client-cert-auth</c>; needs <see cref="ClientKeyFile"/> and <see cref="UseTls"/>.</summary>
    public string? ClientCertificateFile { get; set; }

    /// <summary>PEM file of the client certificate's private key (unencrypted).</summary>
    public string? ClientKeyFile { get; set; }

    /// <summary>The etcd user, for a cluster with authentication enabled (<c>etcdctl auth enable</c>); needs <see cref="Password"/>.</summary>
    public string? Username { get; set; }

    /// <summary>The etcd user's password.</summary>
    public string? Password { get; set; }

    /// <summary>The longest a single read of the key may take before the endpoint counts as unreachable (default 5 s).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between two attempts to reach etcd again during an outage (default 2 s); the first retry is sooner.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The configuration's name in messages and <c>/stats</c>: <c>etcd://endpoints/key</c>.</summary>
    internal string SourceName => $"{(UseTls ? EtcdUri.TlsScheme : EtcdUri.PlainScheme)}://{string.Join(',', Endpoints)}/{Key}";

    /// <summary>Every problem with these options, one sentence each saying how to fix it; empty when they are usable.</summary>
    internal IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Endpoints.Count == 0)
        {
            errors.Add("no etcd endpoint is given; add one as host:port, for example 127.0.0.1:2379.");
        }

        foreach (var endpoint in Endpoints)
        {
            if (EtcdUri.EndpointError(endpoint) is { } error)
            {
                errors.Add(error);
            }
        }

        if (string.IsNullOrEmpty(Key))
        {
            errors.Add("no key is given; name the key that holds the TOML document, for example convey/config.");
        }

        if (!UseTls && (TrustedCaFile ?? ClientCertificateFile ?? ClientKeyFile) is not null)
        {
            errors.Add("certificate files are given but TLS is off; use an etcds:// URL (or UseTls = true) to connect over TLS.");
        }

        if ((ClientCertificateFile is null) != (ClientKeyFile is null))
        {
            errors.Add("a client certificate needs both its certificate file and its key file; give both or neither.");
        }

        foreach (var file in new[] { TrustedCaFile, ClientCertificateFile, ClientKeyFile })
        {
            if (file is not null && !File.Exists(file))
            {
                errors.Add($"the file {Path.GetFullPath(file)} does not exist.");
            }
        }

        if (string.IsNullOrEmpty(Username) != string.IsNullOrEmpty(Password))
        {
            errors.Add("etcd authentication needs both a user name and a password; give both or neither.");
        }

        if (RequestTimeout <= TimeSpan.Zero || MaxRetryDelay <= TimeSpan.Zero)
        {
            errors.Add("RequestTimeout and MaxRetryDelay must be positive.");
        }

        return errors;
    }
}
