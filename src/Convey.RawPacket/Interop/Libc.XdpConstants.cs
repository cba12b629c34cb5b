using System.Runtime.InteropServices;

namespace Convey.RawPacket.Interop;

/// <summary>The kernel ABI of bpf(2) (linux/bpf.h), AF_XDP sockets (linux/if_xdp.h) and the memory maps they share.</summary>
internal static partial class Libc
{
    public const int AF_XDP = 44;
    public const int SOCK_RAW = 3;
    public const int SOL_XDP = 283;
    public const int XDP_MMAP_OFFSETS = 1;
    public const int XDP_RX_RING = 2;
    public const int XDP_TX_RING = 3;
    public const int XDP_UMEM_REG = 4;
    public const int XDP_UMEM_FILL_RING = 5;
    public const int XDP_UMEM_COMPLETION_RING = 6;
    public const int XDP_OPTIONS = 8;
    public const uint XDP_OPTIONS_ZEROCOPY = 1;
    public const ushort XDP_COPY = 1 << 1;
    public const ushort XDP_ZEROCOPY = 1 << 2;
    public const ushort XDP_USE_NEED_WAKEUP = 1 << 3;
    public const uint XDP_RING_NEED_WAKEUP = 1;
    public const long XDP_PGOFF_RX_RING = 0;
    public const long XDP_PGOFF_TX_RING = 0x80000000;
    public const long XDP_UMEM_PGOFF_FILL_RING = 0x100000000;
    public const long XDP_UMEM_PGOFF_COMPLETION_RING = 0x180000000;

    public const int PROT_READ = 1;
    public const int PROT_WRITE = 2;
    public const int MAP_SHARED = 1;
    public const int MAP_POPULATE = 0x8000;
    public const short POLLIN = 1;
    public const int MSG_DONTWAIT = 0x40;

    public const int BPF_MAP_CREATE = 0;
    public const int BPF_MAP_LOOKUP_ELEM = 1;
    public const int BPF_MAP_UPDATE_ELEM = 2;
    public const int BPF_MAP_DELETE_ELEM = 3;
    public const int BPF_MAP_GET_NEXT_KEY = 4;
    public const int BPF_PROG_LOAD = 5;
    public const int BPF_LINK_CREATE = 28;
    public const uint BPF_MAP_TYPE_HASH = 1;
    public const uint BPF_MAP_TYPE_XSKMAP = 17;
    public const uint BPF_PROG_TYPE_SCHED_CLS = 3;
    public const uint BPF_PROG_TYPE_XDP = 6;
    public const uint BPF_XDP = 37;
    public const uint BPF_TCX_INGRESS = 46;
    public const uint BPF_F_NO_PREALLOC = 1;
    public const uint XDP_FLAGS_SKB_MODE = 1 << 1;
    public const uint XDP_FLAGS_DRV_MODE = 1 << 2;

    public const nuint SIOCETHTOOL = 0x8946;
    public const uint ETHTOOL_GCHANNELS = 0x3c;

    public const int ENOENT = 2;
    public const int EBUSY = 16;
    public const int ENETDOWN = 100;
    public const int ENOBUFS = 105;

    /// <summary>The number of the bpf system call on this machine's architecture.</summary>
    public static nint SysBpf => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 321,
        Architecture.Arm64 => 280,
        var other => throw new PlatformNotSupportedException($"the AF_XDP path knows the bpf system call on x64 and arm64, not on {other}"),
    };
}
