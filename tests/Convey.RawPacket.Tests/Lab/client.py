#!/usr/bin/env python3
"""Lab client. `client.py get URL COUNT`: COUNT requests, one line each: "ok <body>" or "err <error>".
`client.py sha256 URL`: downloads URL and prints "ok <sha256 hex> <bytes>" or "err <error>".
`client.py acks HOST PORT COUNT BURSTS GAP`: BURSTS bursts, GAP seconds apart, of COUNT bare TCP ACKs to HOST:PORT,
each from a source port no connection uses (no SYN ever sent), through a raw socket; prints "ok <sent>"."""
import hashlib, random, socket, struct, sys, time, urllib.request


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


mode, url = sys.argv[1], sys.argv[2]
if mode == "acks":
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
