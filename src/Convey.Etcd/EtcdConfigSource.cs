using Convey.Configuration;
using Convey.Configuration.Toml;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Convey.Etcd;

/// <summary>
/// Configuration from the TOML document under one etcd key. The first load reads the key; from then on a watch from
/// the next revision follows it, and each new revision fires the reload token, so it is validated and applied like a
/// file reload (a refused one names its revision, and the configuration in force stays). When etcd cannot be reached
/// the source keeps the last revision it read and retries; once etcd answers again it reads the key afresh (revisions
/// put in the meantime, or compacted away, are caught up by that read) and watches from there. Loads after the first
/// parse the newest revision seen, without a request: a reload never fails because etcd is away.
/// </summary>
internal sealed partial class EtcdConfigSource : IConfigSource, IAsyncDisposable, IDisposable
{
    private readonly EtcdConfigOptions _options;
    private readonly EtcdClient _client;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private CancellationTokenSource _changed = new();
    private string _key;
    private EtcdDocument? _latest;
    private long? _unreachableSince;
    private Task _following = Task.CompletedTask;
    private int _disposed;

    /// <summary>Creates the source; nothing is read until the first load.</summary>
    /// <exception cref="ArgumentException">The options are not usable (the message lists why).</exception>
    public EtcdConfigSource(EtcdConfigOptions options, TimeProvider timeProvider, ILogger<EtcdConfigSource> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException($"The etcd configuration source cannot be used: {string.Join(" ", errors)}", nameof(options));
        }

        _options = options;
        _key = options.Key;
        _time = timeProvider;
        _logger = logger;
        _client = EtcdClientFactory.Create(options);
    }

    /// <summary>The key followed: the configured one, or the same with a leading slash when only that one exists.</summary>
    public string Key
    {
        get
        {
            lock (_gate)
            {
                return _key;
            }
        }
    }

    /// <summary>The source's name in messages and <c>/stats</c>: <c>etcd://endpoints/key</c>.</summary>
    public string Name => $"{(_options.UseTls ? EtcdUri.TlsScheme : EtcdUri.PlainScheme)}://{string.Join(',', _options.Endpoints)}/{Key}";

    /// <inheritdoc />
    public async ValueTask<ConveyConfig> LoadAsync(CancellationToken cancellationToken)
    {
        EtcdDocument? document;
        lock (_gate)
        {
            document = _latest;
        }

        if (document is null)
        {
            var (first, storeRevision) = await ReadFirstAsync(cancellationToken).ConfigureAwait(false);
            var follow = false;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed != 0, this);
                if (_latest is null)
                {
                    _latest = first;
                    follow = true;
                }

                document = _latest;
            }

            if (follow)
            {
                _following = Task.Run(() => FollowAsync(storeRevision + 1, _stopping.Token), CancellationToken.None);
            }
        }

        return Parse(document);
    }

    /// <summary>Reads and validates the key once, without following it (for <c>--check</c>).</summary>
    /// <exception cref="ConfigException">etcd cannot be reached, the key does not exist, or the document is invalid.</exception>
    public async Task<ConveyConfig> ReadOnceAsync(CancellationToken cancellationToken) =>
        Parse((await ReadFirstAsync(cancellationToken).ConfigureAwait(false)).Document);

    /// <inheritdoc />
    public IChangeToken GetReloadToken()
    {
        lock (_gate)
        {
            return new CancellationChangeToken(_changed.Token);
        }
    }

    /// <summary>Stops following the key and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _following.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _client.Dispose();
        _stopping.Dispose();
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>The document as a configuration named <c>etcd://endpoints/key (revision N)</c>, so that every error names the revision.</summary>
    private ConveyConfig Parse(EtcdDocument document)
    {
        var name = $"{Name} (revision {document.Revision})";
        try
        {
            if (document.Value is null)
            {
                throw new ConfigException(new ConfigError(name, 0, 0, "",
                    $"the key {Key} was deleted; the configuration in force stays. Put the configuration under the key again (etcdctl put {Key} < convey.toml)."));
            }

            return TomlConfigReader.Parse(ConfigFileText.ToText(document.Value, name), name) with { Revision = document.Revision };
        }
        catch (ConfigException ex)
        {
            throw new ConfigException(ex.Errors) { Revision = document.Revision };
        }
    }

    /// <summary>
    /// The key's value now, and the store's revision it was read at (the watch starts after it). A key without a
    /// leading slash that does not exist is looked for with one.
    /// </summary>
    private async Task<(EtcdDocument Document, long StoreRevision)> ReadFirstAsync(CancellationToken cancellationToken)
    {
        try
        {
            var key = Key;
            var (document, storeRevision) = await ReadAsync(key, cancellationToken).ConfigureAwait(false);
            if (document.Value is null && !key.StartsWith('/'))
            {
                var (slashed, slashedRevision) = await ReadAsync("/" + key, cancellationToken).ConfigureAwait(false);
                if (slashed.Value is not null)
                {
                    lock (_gate)
                    {
                        _key = "/" + key;
                    }

                    LogKeyFollowed(key, "/" + key);
                    return (slashed, slashedRevision);
                }
            }

            if (document.Value is null)
            {
                var endpoints = string.Join(',', _options.Endpoints);
                var alsoSlashed = key.StartsWith('/') ? "" : $" (nor does /{key})";
                throw new ConfigException(new ConfigError(Name, 0, 0, "",
                    $"the key {key} does not exist in etcd at {endpoints}{alsoSlashed}; put the configuration there first: etcdctl --endpoints={endpoints} put {key} < convey.toml"));
            }

            return (document, storeRevision);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (ConfigException)
        {
            throw;
        }
#pragma warning disable CA1031 // Whatever the transport throws (gRPC status, TLS, DNS) is reported as the configuration being unreadable.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            throw new ConfigException(new ConfigError(Name, 0, 0, "", Describe(ex)));
        }
    }

    private async Task<(EtcdDocument Document, long StoreRevision)> ReadAsync(string key, CancellationToken cancellationToken)
    {
        var response = await _client.GetConnection().KVClient.RangeAsync(
            new RangeRequest { Key = ByteString.CopyFromUtf8(key) },
            deadline: _time.GetUtcNow().UtcDateTime + _options.RequestTimeout,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        var storeRevision = response.Header.Revision;
        return response.Kvs.Count == 0
            ? (new EtcdDocument(storeRevision, null), storeRevision)
            : (new EtcdDocument(response.Kvs[0].ModRevision, response.Kvs[0].Value.ToByteArray()), storeRevision);
    }

    /// <summary>Follows the key until disposed: watch, and after any interruption read the key again and watch from there.</summary>
    private async Task FollowAsync(long fromRevision, CancellationToken stopping)
    {
        var readFirst = false;
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (readFirst)
                {
                    var (document, storeRevision) = await ReadAsync(Key, stopping).ConfigureAwait(false);
                    MarkReachable(storeRevision + 1);
                    Offer(document);
                    fromRevision = storeRevision + 1;
                }

                readFirst = true;
                var reason = await WatchAsync(fromRevision, stopping).ConfigureAwait(false);
                failures = 0;
                LogWatchRestarted(Name, reason);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // An outage must never end the watch: it is logged once and retried until etcd answers.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                MarkUnreachable(ex);
                failures++;
            }

            try
            {
                await Task.Delay(RetryDelay(failures), _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Watches the key from <paramref name="fromRevision"/> until etcd ends the watch; returns why it ended.</summary>
    private async Task<string> WatchAsync(long fromRevision, CancellationToken stopping)
    {
        using var call = _client.GetConnection().WatchClient.Watch(cancellationToken: stopping);
        await call.RequestStream.WriteAsync(new WatchRequest
        {
            CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFromUtf8(Key), StartRevision = fromRevision },
        }, stopping).ConfigureAwait(false);
        while (await call.ResponseStream.MoveNext(stopping).ConfigureAwait(false))
        {
            var response = call.ResponseStream.Current;
            if (response.Created)
            {
                MarkReachable(fromRevision);
            }

            if (response.CompactRevision > 0)
            {
                return $"revision {fromRevision} was compacted away (the oldest kept is {response.CompactRevision}); the key is read again";
            }

            if (response.Canceled)
            {
                return $"etcd cancelled the watch ({response.CancelReason}); the key is read again";
            }

            foreach (var change in response.Events)
            {
                Offer(new EtcdDocument(change.Kv.ModRevision, change.Type == Mvccpb.Event.Types.EventType.Delete ? null : change.Kv.Value.ToByteArray()));
            }
        }

        return "etcd closed the watch stream; the key is read again";
    }

    /// <summary>Takes a newer revision as the latest and fires the reload token; an older or repeated one is ignored.</summary>
    private void Offer(EtcdDocument document)
    {
        CancellationTokenSource changed;
        lock (_gate)
        {
            if (_latest is not null && (document.Revision <= _latest.Revision || (document.Value is null && _latest.Value is null)))
            {
                return;
            }

            _latest = document;
            changed = _changed;
            _changed = new CancellationTokenSource();
        }

        LogRevisionRead(Name, document.Revision, document.Value is null ? "deleted" : "put");
        try
        {
            changed.Cancel();
        }
#pragma warning disable CA1031 // A listener's failure must not end the watch.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogListenerFailed(Name, ex);
        }
    }

    private void MarkUnreachable(Exception exception)
    {
        long? revision;
        lock (_gate)
        {
            if (_unreachableSince is not null)
            {
                return;
            }

            _unreachableSince = _time.GetTimestamp();
            revision = _latest?.Revision;
        }

        LogUnreachable(string.Join(',', _options.Endpoints), Describe(exception), revision ?? 0, _options.MaxRetryDelay.TotalSeconds);
    }

    private void MarkReachable(long fromRevision)
    {
        long since;
        lock (_gate)
        {
            if (_unreachableSince is not { } value)
            {
                return;
            }

            since = value;
            _unreachableSince = null;
        }

        LogReachable(string.Join(',', _options.Endpoints), _time.GetElapsedTime(since).TotalSeconds, fromRevision);
    }

    /// <summary>Doubles from 100 ms up to <see cref="EtcdConfigOptions.MaxRetryDelay"/> over consecutive failures.</summary>
    private TimeSpan RetryDelay(int failures) =>
        TimeSpan.FromMilliseconds(Math.Min(_options.MaxRetryDelay.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(failures, 16))));

    /// <summary>What went wrong in words an operator can act on.</summary>
    private string Describe(Exception exception)
    {
        var endpoints = string.Join(',', _options.Endpoints);
        var inner = exception is RpcException { Status.DebugException: { } debug } ? debug : exception.InnerException;
        var detail = exception is RpcException rpc ? rpc.Status.Detail : exception.Message;
        if (inner is not null && !detail.Contains(inner.Message, StringComparison.Ordinal))
        {
            detail = $"{detail} ({inner.Message})";
        }

        if (Causes(exception).OfType<System.Security.Authentication.AuthenticationException>().Any())
        {
            return $"the TLS handshake with etcd at {endpoints} failed ({detail}); check that the CA file is the one that signed etcd's certificate, that the certificate names the host or address of the URL, and that etcd accepts the client certificate.";
        }

        return exception switch
        {
            // etcd 3.4 answers a failed login with InvalidArgument, later versions with Unauthenticated.
            RpcException login when login.StatusCode == StatusCode.Unauthenticated || (login.StatusCode == StatusCode.InvalidArgument && IsLoginFailure(detail)) =>
                string.IsNullOrEmpty(_options.Username)
                    ? $"etcd at {endpoints} requires authentication ({detail}); give an etcd user and password."
                    : $"etcd at {endpoints} refused the user '{_options.Username}' ({detail}); check the user name and password.",
            RpcException { StatusCode: StatusCode.PermissionDenied } =>
                $"the etcd user '{_options.Username}' may not read the key {Key} ({detail}); grant it: etcdctl role grant-permission ROLE read {Key}.",
            RpcException { StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded } or OperationCanceledException =>
                $"cannot reach etcd at {endpoints} within {_options.RequestTimeout.TotalSeconds:0.#} s ({detail}); check that etcd runs and listens there: etcdctl --endpoints={endpoints} endpoint health.",
            RpcException rpcError => $"etcd at {endpoints} answered {rpcError.StatusCode}: {detail}.",
            _ => $"cannot talk to etcd at {endpoints}: {detail}.",
        };
    }

    private static bool IsLoginFailure(string detail) =>
        detail.Contains("authentication failed", StringComparison.Ordinal)
        || detail.Contains("user name is empty", StringComparison.Ordinal)
        || detail.Contains("invalid auth token", StringComparison.Ordinal);

    private static IEnumerable<Exception> Causes(Exception exception)
    {
        for (Exception? cause = exception; cause is not null; cause = cause is RpcException { Status.DebugException: { } debug } ? debug : cause.InnerException)
        {
            yield return cause;
        }
    }

    [LoggerMessage(EventId = EtcdLogEvents.RevisionRead, EventName = nameof(EtcdLogEvents.RevisionRead), Level = LogLevel.Information, Message = "{Source}: revision {Revision} ({Change}); reloading")]
    private partial void LogRevisionRead(string source, long revision, string change);

    [LoggerMessage(EventId = EtcdLogEvents.KeyFollowed, EventName = nameof(EtcdLogEvents.KeyFollowed), Level = LogLevel.Information, Message = "The etcd key {Key} does not exist but {Followed} does; following {Followed}")]
    private partial void LogKeyFollowed(string key, string followed);

    [LoggerMessage(EventId = EtcdLogEvents.Unreachable, EventName = nameof(EtcdLogEvents.Unreachable), Level = LogLevel.Warning, Message = "etcd at {Endpoints} is unreachable: {Reason} The configuration in force stays (last revision read: {Revision}); retrying every {RetrySeconds} s at most")]
    private partial void LogUnreachable(string endpoints, string reason, long revision, double retrySeconds);

    [LoggerMessage(EventId = EtcdLogEvents.Reachable, EventName = nameof(EtcdLogEvents.Reachable), Level = LogLevel.Information, Message = "etcd at {Endpoints} answers again after {Seconds:0.0} s; the key was read again and is watched from revision {Revision}")]
    private partial void LogReachable(string endpoints, double seconds, long revision);

    [LoggerMessage(EventId = EtcdLogEvents.WatchRestarted, EventName = nameof(EtcdLogEvents.WatchRestarted), Level = LogLevel.Information, Message = "{Source}: {Reason}")]
    private partial void LogWatchRestarted(string source, string reason);

    [LoggerMessage(EventId = EtcdLogEvents.ListenerFailed, EventName = nameof(EtcdLogEvents.ListenerFailed), Level = LogLevel.Error, Message = "A listener of the reload token of {Source} failed")]
    private partial void LogListenerFailed(string source, Exception exception);
}
