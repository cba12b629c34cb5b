using System.Text;
using Convey.RawPacket.Interop;

namespace Convey.RawPacket.Xdp;

/// <summary>A BPF map this process created; closing the last descriptor (the map's and the programs' that use it) frees it.</summary>
internal sealed class BpfMap : IDisposable
{
    private readonly FileDescriptorHandle _handle;

    private BpfMap(FileDescriptorHandle handle, string name)
    {
        _handle = handle;
        Name = name;
    }

    /// <summary>The map's name as bpftool shows it.</summary>
    public string Name { get; }

    /// <summary>The descriptor, for a program that refers to the map.</summary>
    public int Fd => _handle.Fd;

    /// <summary>Creates a map of <paramref name="type"/> (BPF_MAP_TYPE_*) with <paramref name="flags"/> (BPF_F_*).</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">The kernel refused.</exception>
    public static unsafe BpfMap Create(uint type, int keySize, int valueSize, int maxEntries, string name, uint flags = 0)
    {
        var attributes = new BpfMapCreateAttributes { MapType = type, KeySize = (uint)keySize, ValueSize = (uint)valueSize, MaxEntries = (uint)maxEntries, MapFlags = flags };
        WriteName(attributes.Name, name);
        var fd = BpfSystemCall.Invoke(Libc.BPF_MAP_CREATE, ref attributes, $"BPF_MAP_CREATE {name}");
        return new BpfMap(new FileDescriptorHandle(fd), name);
    }

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/> (adds or replaces).</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">The kernel refused (map full, a value the map type does not take).</exception>
    public unsafe void Update<TKey, TValue>(in TKey key, in TValue value)
        where TKey : unmanaged
        where TValue : unmanaged
    {
        fixed (TKey* keyPointer = &key)
        fixed (TValue* valuePointer = &value)
        {
            var attributes = Element(keyPointer, valuePointer);
            BpfSystemCall.Invoke(Libc.BPF_MAP_UPDATE_ELEM, ref attributes, $"BPF_MAP_UPDATE_ELEM {Name}");
        }
    }

    /// <summary>Removes <paramref name="key"/>; false when it was not there.</summary>
    public unsafe bool Delete<TKey>(in TKey key)
        where TKey : unmanaged
    {
        fixed (TKey* keyPointer = &key)
        {
            var attributes = Element(keyPointer, null);
            if (BpfSystemCall.TryInvoke(Libc.BPF_MAP_DELETE_ELEM, ref attributes, out var error) >= 0)
            {
                return true;
            }

            return error == Libc.ENOENT ? false : throw BpfSystemCall.Failure($"BPF_MAP_DELETE_ELEM {Name}", error);
        }
    }

    /// <summary>Whether <paramref name="key"/> is in the map, and its value.</summary>
    public unsafe bool TryGet<TKey, TValue>(in TKey key, out TValue value)
        where TKey : unmanaged
        where TValue : unmanaged
    {
        value = default;
        fixed (TKey* keyPointer = &key)
        fixed (TValue* valuePointer = &value)
        {
            var attributes = Element(keyPointer, valuePointer);
            if (BpfSystemCall.TryInvoke(Libc.BPF_MAP_LOOKUP_ELEM, ref attributes, out var error) >= 0)
            {
                return true;
            }

            return error == Libc.ENOENT ? false : throw BpfSystemCall.Failure($"BPF_MAP_LOOKUP_ELEM {Name}", error);
        }
    }

    public void Dispose() => _handle.Dispose();

    private unsafe BpfMapElementAttributes Element(void* key, void* value) =>
        new() { MapFd = (uint)Fd, Key = (ulong)key, Value = (ulong)value };

    /// <summary>Writes a kernel object name: at most 15 ASCII bytes and a terminating zero.</summary>
    internal static unsafe void WriteName(byte* destination, string name)
    {
        var length = Encoding.ASCII.GetBytes(name.AsSpan(0, Math.Min(name.Length, 15)), new Span<byte>(destination, 15));
        destination[length] = 0;
    }
}
