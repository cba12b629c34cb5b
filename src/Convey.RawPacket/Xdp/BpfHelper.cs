namespace Convey.RawPacket.Xdp;

/// <summary>The kernel helper functions the XDP and TC programs call, by their number in linux/bpf.h.</summary>
internal enum BpfHelper
{
    /// <summary><c>void *bpf_map_lookup_elem(map, key)</c>: the value, or null.</summary>
    MapLookupElement = 1,

    /// <summary><c>u64 bpf_ktime_get_ns()</c>: CLOCK_MONOTONIC in nanoseconds.</summary>
    KtimeGetNs = 5,

    /// <summary><c>long bpf_skb_store_bytes(skb, offset, from, len, flags)</c>: writes packet bytes (TC).</summary>
    SkbStoreBytes = 9,

    /// <summary><c>long bpf_l3_csum_replace(skb, offset, from, to, size)</c>: size 0 adds the checksum difference <c>to</c>.</summary>
    L3ChecksumReplace = 10,

    /// <summary><c>long bpf_l4_csum_replace(skb, offset, from, to, flags)</c>: as L3, and BPF_F_PSEUDO_HDR for pseudo-header fields.</summary>
    L4ChecksumReplace = 11,

    /// <summary><c>long bpf_redirect(ifindex, flags)</c>: TC_ACT_REDIRECT; flags 0 sends the packet out of <c>ifindex</c>.</summary>
    Redirect = 23,

    /// <summary><c>long bpf_skb_pull_data(skb, len)</c>: makes the first <c>len</c> bytes linear, so direct packet access reaches them.</summary>
    SkbPullData = 39,

    /// <summary><c>long bpf_redirect_map(map, key, flags)</c>: XDP_REDIRECT, or the action in the low bits of flags when the entry is empty.</summary>
    RedirectMap = 51,
}
