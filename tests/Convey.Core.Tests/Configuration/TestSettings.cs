using Convey.Configuration;

namespace Convey.Core.Tests.Configuration;

/// <summary>Builds <see cref="ConfigSettings"/> from key and value pairs.</summary>
internal static class TestSettings
{
    public static ConfigSettings Of(params (string Key, string Value)[] values) =>
        new(values.Select(v => new KeyValuePair<string, string>(v.Key, v.Value)));
}
