namespace Convey.RawPacket.Xdp;

/// <summary>The kernel helper functions the steering program calls, by their number in linux/bpf.h.</summary>
internal enum BpfHelper
{
    /// <summary><c>void *bpf_map_lookup_elem(map, key)</c>: the value, or null.</summary>
    MapLookupElement = 1,

    /// <summary><c>long bpf_redirect_map(map, key, flags)</c>: XDP_REDIRECT, or the action in the low bits of flags when the entry is empty.</summary>
    RedirectMap = 51,
}
