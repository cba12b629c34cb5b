using System.Text.Json;

namespace Convey.Host.Tests.Hosting;

public class RuntimeSettingsTests
{
    [Fact]
    public void Thread_pool_workers_of_the_host_sleep_when_out_of_work_instead_of_spinning_on_the_proxys_core()
    {
        // The JIT build's runtimeconfig.json carries the same AppContext settings NativeAOT bakes into the binary.
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Convey.Host.runtimeconfig.json")));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.TryGetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", out var spinLimit), "the host sets the thread pool's spin limit");
        Assert.Equal(0, spinLimit.GetInt32());
    }
}
