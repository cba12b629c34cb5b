using Convey.Host.CommandLine;

// Socket continuations run on the epoll thread instead of hopping to the thread pool (one context switch less
// per socket event; docs/benchmarks.md, Proxy). The runtime reads this only from the environment, once, when
// the first socket is created, and has no runtimeconfig switch for it: so it is set here, before any socket,
// unless the operator chose a value.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}

var parsed = CommandLineParser.Parse(args);
if (parsed.Arguments is null)
{
    await Console.Error.WriteLineAsync($"convey: {parsed.Error}");
    UsageText.Write(Console.Error);
    return ExitCodes.Usage;
}

return await parsed.Arguments.Command.RunAsync(parsed.Arguments, HostConsole.System, CancellationToken.None);
