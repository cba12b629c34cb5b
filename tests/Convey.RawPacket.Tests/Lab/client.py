#!/usr/bin/env python3
"""Lab client (IPv4 and IPv6: URLs as http://[2001:2::2]:8080/, HOST as 2001:2::2). `client.py get URL COUNT`: COUNT requests, one line each: "ok <body>" or "err <error>".
`client.py sha256 URL`: downloads URL and prints "ok <sha256 hex> <bytes>" or "err <error>".
`client.py acks HOST PORT COUNT BURSTS GAP`: BURSTS bursts, GAP seconds apart, of COUNT bare TCP ACKs to HOST:PORT,
each from a source port no connection uses (no SYN ever sent), through a raw socket; prints "ok <sent>".
`client.py paced HOST PORT PATH SECONDS`: one GET with a 64 KiB receive buffer, reading the body at a pace that takes
about SECONDS, so the transfer lasts that long; prints "started" once the headers arrived, then "ok <sha256 hex> <bytes>"
or "err <error>".
`client.py half HOST PORT MARKER [PIECES]`: sends the first line of a request (with PIECES, that line and a padding header
in PIECES segments, 10 ms apart), prints "started", waits (at most 60 s) until the
file MARKER exists, sends the rest and reads: prints "reset <seconds>" when the connection is reset, with the seconds
from that send to the reset, else "ok <answer>" or "err <error>".
`client.py toobig HOST6 PORT PATH MTU`: plays a router on the path between the balancer and this client whose link
takes only MTU bytes: one GET with a 64 KiB receive buffer, left unread until the server has filled the window; then
an ICMPv6 packet too big (MTU) to HOST6, quoting the last segment that arrived from HOST6:PORT with the sequence number
the server sends next (so the server's TCP takes the error as about its own connection); then reads the rest. Prints
"ok <largest IPv6 packet of the download before the error> <largest after it> <packets after it> <sha256 hex> <bytes>"
(packets as seen on eth0) or "err <error>"."""
import hashlib, os, random, re, socket, struct, sys, time, urllib.request


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def stray_acks(host, port, count, bursts, gap):
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.connect((host, port))
    source = probe.getsockname()[0]
    probe.close()
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    sent = 0
    for burst in range(bursts):
        if burst:
            time.sleep(gap)
        for i in range(count):
            sport = 20000 + burst * count + i  # below the ephemeral range: no socket of this host uses it
            header = struct.pack("!HHIIBBHHH", sport, port, random.getrandbits(32), random.getrandbits(32), 5 << 4, 0x10, 64240, 0, 0)
            pseudo = socket.inet_aton(source) + socket.inet_aton(host) + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(header))
            header = header[:16] + struct.pack("!H", checksum(pseudo + header)) + header[18:]
            raw.sendto(header, (host, 0))
            sent += 1
    print("ok %d" % sent)


def connect(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    s.settimeout(30)
    s.connect((host, port))
    return s


def paced(host, port, path, seconds):
    s = connect(host, port)
    s.sendall(b"GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (path.encode(), (("[%s]" if ":" in host else "%s") % host).encode()))
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise EOFError("closed before the headers")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(re.search(rb"content-length: *(\d+)", head, re.I).group(1))
    print("started", flush=True)
    digest, got, pause = hashlib.sha256(body), len(body), seconds / (length / 65536)
    while got < length:
        chunk = s.recv(min(65536, length - got))
        if not chunk:
            raise EOFError("closed after %d of %d bytes" % (got, length))
        digest.update(chunk)
        got += len(chunk)
        time.sleep(pause * len(chunk) / 65536)
    print("ok %s %d" % (digest.hexdigest(), got), flush=True)


def half(host, port, marker, pieces=1):
    s = connect(host, port)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    line = b"GET / HTTP/1.1\r\n"
    if pieces > 1:
        # Headers the server accepts, a few bytes per segment, so the connection carries enough packets to be settled.
        line += b"X-Pad: " + b"a" * (pieces * 2) + b"\r\n"
    step = -(-len(line) // pieces)
    for i in range(0, len(line), step):
        s.sendall(line[i:i + step])
        if pieces > 1:
            time.sleep(0.01)
    print("started", flush=True)
    for _ in range(1200):
        if os.path.exists(marker):
            break
        time.sleep(0.05)
    sent = time.monotonic()
    try:
        s.sendall(b"Host: %s\r\nConnection: close\r\n\r\n" % host.encode())
        answer = s.recv(65536)
        print("ok %r" % answer[:40], flush=True)
    except ConnectionResetError:
        print("reset %.2f" % (time.monotonic() - sent), flush=True)


def too_big(host, port, path, mtu):
    eth_p_ipv6 = 0x86DD
    capture = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(eth_p_ipv6))
    capture.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    capture.bind(("eth0", eth_p_ipv6))
    capture.setblocking(False)
    source = socket.inet_pton(socket.AF_INET6, host)
    s = connect(host, port)
    local_port = s.getsockname()[1]

    def arrived():
        """The IPv6 packets from HOST:PORT to this connection captured since the last call: (packet, sequence, data length)."""
        while True:
            try:
                packet = capture.recv(65536)
            except BlockingIOError:
                return
            if len(packet) < 60 or packet[6] != socket.IPPROTO_TCP or packet[8:24] != source:
                continue
            sport, dport, sequence = struct.unpack("!HHI", packet[40:48])
            if (sport, dport) == (port, local_port):
                yield packet, sequence, struct.unpack("!H", packet[4:6])[0] - (packet[52] >> 4) * 4

    s.sendall(b"GET %s HTTP/1.1\r\nHost: [%s]\r\nConnection: close\r\n\r\n" % (path.encode(), host.encode()))
    time.sleep(1.5)  # the server fills the 64 KiB window and waits for it to open: all it sent is acknowledged
    before = list(arrived())
    if not before:
        raise EOFError("nothing arrived from the server")
    last, following = None, None
    for packet, sequence, length in before:
        end = (sequence + length) & 0xFFFFFFFF
        if following is None or 0 < (end - following) & 0xFFFFFFFF < 1 << 31:
            last, following = packet, end
    quote = bytearray(last[:1280 - 48])  # an ICMPv6 error fits in the minimum MTU
    quote[44:48] = struct.pack("!I", following)
    error = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)  # the kernel fills in the checksum
    error.sendto(struct.pack("!BBHI", 2, 0, 0, mtu) + bytes(quote), (host, 0))

    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise EOFError("closed before the headers")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(re.search(rb"content-length: *(\d+)", head, re.I).group(1))
    digest, got, after = hashlib.sha256(body), len(body), []
    while got < length:
        chunk = s.recv(min(65536, length - got))
        if not chunk:
            raise EOFError("closed after %d of %d bytes" % (got, length))
        digest.update(chunk)
        got += len(chunk)
        after.extend(len(p) for p, _, _ in arrived())
    after.extend(len(p) for p, _, _ in arrived())
    print("ok %d %d %d %s %d" % (max(len(p) for p, _, _ in before), max(after, default=0), len(after), digest.hexdigest(), got), flush=True)


mode, url = sys.argv[1], sys.argv[2]
if mode in ("paced", "half", "toobig"):
    try:
        if mode == "paced":
            paced(url, int(sys.argv[3]), sys.argv[4], float(sys.argv[5]))
        elif mode == "toobig":
            too_big(url, int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
        else:
            half(url, int(sys.argv[3]), sys.argv[4], int(sys.argv[5]) if len(sys.argv) > 5 else 1)
    except Exception as e:  # every failure is a result line
        print("err %r" % e, flush=True)
elif mode == "acks":
    stray_acks(url, int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]))
elif mode == "get":
    for _ in range(int(sys.argv[3])):
        try:
            print("ok " + urllib.request.urlopen(url, timeout=3).read().decode().strip(), flush=True)
        except Exception as e:  # every failure is a result line
            print("err %r" % e, flush=True)
else:
    try:
        data = urllib.request.urlopen(url, timeout=20).read()
        print("ok %s %d" % (hashlib.sha256(data).hexdigest(), len(data)))
    except Exception as e:
        print("err %r" % e)
