using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Convey.RawPacket.Packets;
using Convey.RawPacket.Xdp;

namespace Convey.RawPacket.Tests.Xdp;

/// <summary>
/// The steering program attached to a veth end with an AF_XDP socket on its queue, and real traffic from the other
/// end: served TCP arrives on the socket and is answered from the frame it arrived in, everything else still
/// reaches the kernel.
/// </summary>
public class XskSocketTests
{
    private const ushort Served = 8080;

    [SkippableFact]
    public async Task A_served_syn_reaches_the_socket_and_the_answer_sent_from_its_frame_completes_the_handshake()
    {
        Prerequisite.Require(VethNamespaces.WhyUnavailable());
        using var pair = VethNamespaces.Create();
        using var responder = SynResponder.Start(pair.Local);

        var connected = await ConnectAsync(pair.Peer, VethNamespaces.LocalAddress, Served, count: 1);

        Assert.Equal(1, connected);
        Assert.True(responder.Syns >= 1);
    }

    [SkippableFact]
    public async Task Every_frame_comes_back_to_the_socket_after_more_handshakes_than_the_umem_holds_frames()
    {
        Prerequisite.Require(VethNamespaces.WhyUnavailable());
        using var pair = VethNamespaces.Create();
        using var responder = SynResponder.Start(pair.Local);
        // Each handshake brings three frames (SYN, ACK, RST) and sends one: 2000 of them move 8000 frames through a UMEM of 4096.
        const int Handshakes = 2000;

        var connected = await ConnectAsync(pair.Peer, VethNamespaces.LocalAddress, Served, Handshakes);

        Assert.Equal(Handshakes, connected);
        Assert.True(responder.Syns >= Handshakes);
        // At rest the kernel holds a full fill ring and every other frame is back on the socket's free list.
        await Eventually.ReturnsAsync(() => responder.Frames, f => f == (XskSocket.FrameCount - (int)XskSocket.RingSize, 0), "every frame is back");
    }

    [SkippableFact]
    public async Task Ping_and_tcp_to_a_port_not_served_reach_the_kernel_while_the_program_is_attached()
    {
        Prerequisite.Require(VethNamespaces.WhyUnavailable());
        using var pair = VethNamespaces.Create();
        using var responder = SynResponder.Start(pair.Local);
        using var listener = VethNamespaces.In(pair.Local, () =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Parse(VethNamespaces.LocalAddress), 2222));
            socket.Listen();
            return socket;
        });

        var link = VethNamespaces.Exec(pair.Local, "ip", "link", "show", "eth0").Output;
        var ping = VethNamespaces.Exec(pair.Peer, "ping", "-c", "1", "-W", "5", VethNamespaces.LocalAddress);
        var connected = await ConnectAsync(pair.Peer, VethNamespaces.LocalAddress, 2222, count: 1);

        Assert.Contains("prog/xdp id", link, StringComparison.Ordinal);
        Assert.True(ping.ExitCode == 0, ping.Output);
        Assert.Equal(1, connected);
        Assert.Equal(0, responder.Syns);
    }

    /// <summary>Connects <paramref name="count"/> times from inside <paramref name="ns"/>, each closed with RST; how many succeeded.</summary>
    private static Task<int> ConnectAsync(string ns, string address, ushort port, int count) =>
        Task.Run(() => VethNamespaces.In(ns, () =>
        {
            var connected = 0;
            for (var i = 0; i < count; i++)
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { LingerState = new LingerOption(true, 0) };
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    socket.ConnectAsync(IPAddress.Parse(address), port, timeout.Token).AsTask().GetAwaiter().GetResult();
                    connected++;
                }
                catch (Exception exception) when (exception is SocketException or OperationCanceledException)
                {
                    // Counted as not connected.
                }
            }

            return connected;
        }));

    /// <summary>
    /// The steering program for port 8080 on eth0 of a namespace, and a thread that answers every SYN arriving on the
    /// AF_XDP socket with a SYN-ACK written over the same frame and sent back on the socket; other frames are given back.
    /// </summary>
    private sealed class SynResponder : IDisposable
    {
        private readonly XdpSteering _steering;
        private readonly XskSocket _socket;
        private readonly Thread _thread;
        private volatile bool _stopping;
        private int _syns;
        private (int Free, int InTransmit) _frames;

        private SynResponder(XdpSteering steering, XskSocket socket, string ns)
        {
            _steering = steering;
            _socket = socket;
            _thread = VethNamespaces.Start(ns, Run, exception => Failure = exception);
        }

        /// <summary>Why the responder's thread stopped early, if it did.</summary>
        public Exception? Failure { get; private set; }

        public int Syns => Volatile.Read(ref _syns);

        public (int Free, int InTransmit) Frames
        {
            get
            {
                lock (this)
                {
                    return _frames;
                }
            }
        }

        public static SynResponder Start(string ns) => VethNamespaces.In(ns, () =>
        {
            var index = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces().Single(n => n.Name == "eth0").GetIPProperties().GetIPv4Properties().Index;
            var steering = XdpSteering.Attach(index, queues: 1);
            var socket = XskSocket.Open(index, 0, copyOnly: steering.Mode == XdpAttachMode.Generic);
            steering.SetSocket(0, socket.Fd);
            steering.Serve([SteeringKey.Frontend(Address(VethNamespaces.LocalAddress), Served)]);
            return new SynResponder(steering, socket, ns);
        });

        public void Dispose()
        {
            _stopping = true;
            _thread.Join();
            _steering.Dispose();
            _socket.Dispose();
            Assert.Null(Failure);
        }

        private void Run()
        {
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (!_stopping && DateTime.UtcNow < deadline)
            {
                _socket.WaitForReceive(50);
                var count = _socket.Receive(64);
                for (uint i = 0; i < count; i++)
                {
                    var frame = _socket.Frame(i, out var address, out var length);
                    if (TryAnswer(frame[..length], out var answer))
                    {
                        Interlocked.Increment(ref _syns);
                        _socket.Transmit(address, answer);
                    }
                    else
                    {
                        _socket.Recycle(address);
                    }
                }

                _socket.Complete();
                lock (this)
                {
                    _frames = (_socket.FreeFrames, _socket.FramesInTransmit);
                }
            }
        }

        /// <summary>Turns a SYN into its SYN-ACK in place (no options); the answer's length.</summary>
        private static bool TryAnswer(Span<byte> frame, out int length)
        {
            length = 14 + 40;
            if (frame.Length < 14 + 40 || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != TestFrames.Ipv4 || frame[14 + 9] != 6
                || (TcpFlags)frame[14 + 20 + 13] != TcpFlags.Syn)
            {
                return false;
            }

            Span<byte> mac = stackalloc byte[6];
            frame[..6].CopyTo(mac);
            frame[6..12].CopyTo(frame);
            mac.CopyTo(frame[6..]);
            var ip = frame[14..];
            var (source, destination) = (BinaryPrimitives.ReadUInt32BigEndian(ip[12..]), BinaryPrimitives.ReadUInt32BigEndian(ip[16..]));
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], 40);
            BinaryPrimitives.WriteUInt32BigEndian(ip[12..], destination);
            BinaryPrimitives.WriteUInt32BigEndian(ip[16..], source);
            IPv4Header.Unchecked(ip[..40]).RecomputeChecksum();
            var tcp = ip[20..40];
            var (sourcePort, destinationPort) = (BinaryPrimitives.ReadUInt16BigEndian(tcp), BinaryPrimitives.ReadUInt16BigEndian(tcp[2..]));
            var sequence = BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]);
            BinaryPrimitives.WriteUInt16BigEndian(tcp, destinationPort);
            BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], sourcePort);
            BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], 1000);
            BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], sequence + 1);
            tcp[12] = 5 << 4;
            tcp[13] = (byte)(TcpFlags.Syn | TcpFlags.Ack);
            BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 65535);
            BinaryPrimitives.WriteUInt16BigEndian(tcp[18..], 0);
            TcpHeader.TryRead(tcp, out var header, out _);
            header.RecomputeChecksum(destination, source);
            return true;
        }
    }

    private static PacketAddress Address(string address) => PacketAddress.From(IPAddress.Parse(address));
}
