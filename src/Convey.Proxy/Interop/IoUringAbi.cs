namespace Convey.Proxy.Interop;

/// <summary>
/// The parts of the io_uring ABI (<c>include/uapi/linux/io_uring.h</c>) the transport uses: opcodes, flags and
/// the offsets of the fields it reads and writes. The layout is the same on every 64-bit architecture.
/// </summary>
internal static class IoUringAbi
{
    // struct io_uring_params (120 bytes) and its io_sqring_offsets / io_cqring_offsets.
    public const int ParamsSize = 120;
    public const int ParamsSqEntries = 0;
    public const int ParamsCqEntries = 4;
    public const int ParamsFlags = 8;
    public const int ParamsFeatures = 20;
    public const int SqOffHead = 40;
    public const int SqOffTail = 44;
    public const int SqOffRingMask = 48;
    public const int SqOffRingEntries = 52;
    public const int SqOffFlags = 56;
    public const int SqOffArray = 64;
    public const int CqOffHead = 80;
    public const int CqOffTail = 84;
    public const int CqOffRingMask = 88;
    public const int CqOffRingEntries = 92;
    public const int CqOffCqes = 100;

    // mmap offsets.
    public const long OffSqRing = 0;
    public const long OffSqes = 0x10000000;

    // io_uring_setup flags.
    public const uint SetupCqSize = 1u << 3;
    public const uint SetupSubmitAll = 1u << 7;
    public const uint SetupSingleIssuer = 1u << 12;
    public const uint SetupDeferTaskRun = 1u << 13;

    // Features the transport needs.
    public const uint FeatSingleMmap = 1u << 0;
    public const uint FeatNoDrop = 1u << 1;
    public const uint FeatFastPoll = 1u << 5;

    // io_uring_enter flags.
    public const uint EnterGetEvents = 1u << 0;

    // Submission queue flags (sq_off.flags).
    public const uint SqCqOverflow = 1u << 1;

    // io_uring_register opcodes.
    public const uint RegisterProbe = 8;
    public const uint RegisterPbufRing = 22;

    // Opcodes.
    public const byte OpAccept = 13;
    public const byte OpAsyncCancel = 14;
    public const byte OpLinkTimeout = 15;
    public const byte OpConnect = 16;
    public const byte OpClose = 19;
    public const byte OpRead = 22;
    public const byte OpSend = 26;
    public const byte OpRecv = 27;

    /// <summary>The opcodes the transport submits; the probe checks each.</summary>
    public static ReadOnlySpan<byte> UsedOpcodes => [OpAccept, OpAsyncCancel, OpLinkTimeout, OpConnect, OpClose, OpRead, OpSend, OpRecv];

    // struct io_uring_sqe (64 bytes).
    public const int SqeSize = 64;
    public const int SqeOpcode = 0;
    public const int SqeFlags = 1;
    public const int SqeIoPriority = 2;
    public const int SqeDescriptor = 4;
    public const int SqeOffset = 8;
    public const int SqeAddress = 16;
    public const int SqeLength = 24;
    public const int SqeOpFlags = 28;
    public const int SqeUserData = 32;
    public const int SqeBufferGroup = 40;

    // SQE flags.
    public const byte SqeIoLink = 1 << 2;
    public const byte SqeIoHardLink = 1 << 3;
    public const byte SqeBufferSelect = 1 << 5;
    public const byte SqeCqeSkipSuccess = 1 << 6;

    // Per-opcode flags.
    public const ushort AcceptMultishot = 1 << 0;
    public const ushort RecvMultishot = 1 << 1;
    public const uint CancelAll = 1u << 0;
    public const uint CancelDescriptor = 1u << 1;
    public const uint CancelAny = 1u << 2;

    // struct io_uring_cqe (16 bytes).
    public const int CqeSize = 16;
    public const uint CqeFBuffer = 1u << 0;
    public const uint CqeFMore = 1u << 1;
    public const int CqeBufferShift = 16;

    // struct io_uring_buf (16 bytes); the ring's tail is the resv field of entry 0.
    public const int BufSize = 16;
    public const int BufRingTail = 14;

    // struct io_uring_buf_reg (40 bytes).
    public const int BufRegSize = 40;

    // struct io_uring_probe (16 bytes) followed by io_uring_probe_op entries (8 bytes each).
    public const int ProbeHeaderSize = 16;
    public const int ProbeOpSize = 8;
    public const ushort ProbeOpSupported = 1;

    // send(2) flags.
    public const uint MsgNoSignal = 0x4000;
    public const uint MsgWaitAll = 0x100;

    /// <summary><c>SOCK_CLOEXEC</c> for the accepted descriptors.</summary>
    public const uint SockCloseOnExec = 0x80000;
}
