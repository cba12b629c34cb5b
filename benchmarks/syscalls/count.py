#!/usr/bin/env python3
"""System calls a TCP proxy makes per proxied connection and per request, counted with strace -c.

Starts a small HTTP backend (this script, in a thread) and the proxy under test, warms it up, then attaches
`strace -c -f` to every thread of the proxy for two phases on loopback:

  connections: N connections, one request each with `Connection: close` (what a new connection costs);
  requests:    M requests over K keep-alive connections (what one request on an open connection costs).

Each phase prints the calls per connection (or request) in total and per system call. The whole process is
traced, so the runtime's own threads (timers, health probes) count too: run long enough phases that they do not
matter. Needs strace (and haproxy for --haproxy).

  python3 benchmarks/syscalls/count.py --convey "env CONVEY_TRANSPORT=io_uring path/to/Convey.Host --config {config}"
  python3 benchmarks/syscalls/count.py --haproxy
"""
import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

BACKEND = 19300
PROXY = 19301
BODY = b"x" * 64
KEEP = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(BODY) + BODY
CLOSE = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(BODY) + BODY


def backend():
    listener = socket.create_server(("127.0.0.1", BACKEND), backlog=1024)

    def serve(conn):
        with conn:
            pending = b""
            while True:
                data = conn.recv(4096)
                if not data:
                    return
                pending += data
                while b"\r\n\r\n" in pending:
                    head, pending = pending.split(b"\r\n\r\n", 1)
                    if b"Connection: close" in head:
                        conn.sendall(CLOSE)
                        return
                    conn.sendall(KEEP)

    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


def wait_port(port, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


def read_response(sock):
    data = b""
    while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < len(BODY):
        chunk = sock.recv(4096)
        if not chunk:
            raise OSError("connection closed before the response")
        data += chunk


def connections(n):
    for _ in range(n):
        with socket.create_connection(("127.0.0.1", PROXY), 5) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            read_response(s)
            while s.recv(4096):
                pass


def requests(conns, each):
    socks = [socket.create_connection(("127.0.0.1", PROXY), 5) for _ in range(conns)]
    try:
        for _ in range(each):
            for s in socks:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            for s in socks:
                read_response(s)
    finally:
        for s in socks:
            s.close()


def traced(pid, work):
    out = tempfile.NamedTemporaryFile(prefix="strace-", suffix=".txt", delete=False).name
    tracer = subprocess.Popen(["strace", "-c", "-f", "-p", str(pid), "-o", out], stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    work()
    time.sleep(0.3)
    tracer.send_signal(signal.SIGINT)
    tracer.wait(30)
    calls = {}
    with open(out) as f:
        for line in f:
            m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$", line)
            if m and m.group(2) != "total":
                calls[m.group(2)] = int(m.group(1))
    os.unlink(out)
    return calls


def report(title, calls, count):
    total = sum(calls.values())
    print("%s: %.1f system calls each (%d over %d)" % (title, total / count, total, count))
    for name, n in sorted(calls.items(), key=lambda kv: -kv[1]):
        if n / count >= 0.05:
            print("  %-16s %.2f" % (name, n / count))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--convey", help="command that starts Convey; {config} is replaced by the TOML path")
    ap.add_argument("--haproxy", action="store_true", help="measure HAProxy instead")
    ap.add_argument("--connections", type=int, default=2000)
    ap.add_argument("--keepalive", type=int, default=10, help="keep-alive connections of the requests phase")
    ap.add_argument("--requests", type=int, default=1000, help="requests per keep-alive connection")
    a = ap.parse_args()
    if not a.convey and not a.haproxy:
        sys.exit("say what to measure: --convey COMMAND or --haproxy")
    threading.Thread(target=backend, daemon=True).start()
    d = tempfile.mkdtemp(prefix="syscalls-")
    if a.haproxy:
        config = os.path.join(d, "haproxy.cfg")
        with open(config, "w") as f:
            f.write("global\n  nbthread 1\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\n"
                    "frontend f\n  bind 127.0.0.1:%d\n  default_backend b\nbackend b\n  server s 127.0.0.1:%d\n" % (PROXY, BACKEND))
        command = ["haproxy", "-db", "-f", config]
    else:
        config = os.path.join(d, "convey.toml")
        with open(config, "w") as f:
            f.write('[frontends.f]\nlisten_addr = "127.0.0.1:%d"\nbackend = "b"\n\n[backends.b]\n'
                    '  [backends.b.servers.s]\n  addr = "127.0.0.1:%d"\n' % (PROXY, BACKEND))
        command = ["sh", "-c", "exec " + a.convey.replace("{config}", config)]
    proxy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        if not wait_port(PROXY):
            sys.exit("the proxy did not listen on %d" % PROXY)
        connections(500)
        requests(a.keepalive, 200)
        report("per connection", traced(proxy.pid, lambda: connections(a.connections)), a.connections)
        total = a.keepalive * a.requests
        report("per request (keep-alive)", traced(proxy.pid, lambda: requests(a.keepalive, a.requests)), total)
    finally:
        os.killpg(proxy.pid, signal.SIGTERM)
        proxy.wait(10)


if __name__ == "__main__":
    main()
