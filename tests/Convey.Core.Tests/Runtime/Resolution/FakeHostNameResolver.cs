using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Convey.Runtime.Resolution;

namespace Convey.Core.Tests.Runtime.Resolution;

/// <summary>A resolver whose answer per host name the test sets (addresses, a failure, or no answer at all); it records every lookup.</summary>
internal sealed class FakeHostNameResolver : IHostNameResolver
{
    private readonly ConcurrentDictionary<string, Func<Task<IPAddress[]>>> _answers = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<string> _asked = new();

    /// <summary>Every host name looked up so far, in order.</summary>
    public IReadOnlyCollection<string> Asked => _asked;

    public int LookupsOf(string host) => _asked.Count(h => string.Equals(h, host, StringComparison.OrdinalIgnoreCase));

    public void Answer(string host, params string[] addresses) =>
        _answers[host] = () => Task.FromResult(addresses.Select(IPAddress.Parse).ToArray());

    /// <summary>Lookups of <paramref name="host"/> fail as for a name that does not exist.</summary>
    public void Fail(string host) =>
        _answers[host] = () => Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound));

    /// <summary>Lookups of <paramref name="host"/> never answer.</summary>
    public void Hang(string host) => _answers[host] = () => new TaskCompletionSource<IPAddress[]>().Task;

    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        _asked.Enqueue(host);
        return _answers.TryGetValue(host, out var answer)
            ? answer()
            : Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound));
    }
}
