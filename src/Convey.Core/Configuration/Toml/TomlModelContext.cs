using Tomlyn;
using Tomlyn.Model;
using Tomlyn.Serialization;

namespace Convey.Configuration.Toml;

/// <summary>Source-generated Tomlyn metadata for the untyped model, so reading stays trimming- and AOT-safe.</summary>
[TomlSerializable(typeof(TomlTable))]
internal sealed partial class TomlModelContext : TomlSerializerContext
{
    /// <summary>Reads <paramref name="text"/> into a <see cref="TomlTable"/>, recording key positions in <paramref name="metadata"/>.</summary>
    public static TomlTable ReadModel(string text, string source, TomlMetadataStore metadata)
    {
        var options = new TomlSerializerOptions { MetadataStore = metadata, SourceName = source, TypeInfoResolver = Default };
        var typeInfo = (TomlTypeInfo<TomlTable>)Default.GetTypeInfo(typeof(TomlTable), options)!;
        return TomlSerializer.Deserialize(text, typeInfo) ?? new TomlTable();
    }
}
