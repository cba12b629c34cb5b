#!/usr/bin/env python3
"""Footprint of a balancer process on loopback: start to listening, idle memory, memory under idle connections.

For each target (a command line; {config} is replaced by the path of a Convey configuration with one frontend and
the stats listener, or HAProxy with the same frontend), in turns:

  start    milliseconds from exec to the moment the frontend (and Convey's stats port) accepts a connection,
           polled every millisecond; median of --starts runs
  idle     RSS (MiB) and threads 2 s after listening, with no connection ever made but the listening probes
  loaded   RSS (MiB) with --conns idle client connections, each proxied to a backend (the backend greets every
           connection with one byte, which the client reads before the next count). A proxied connection costs the
           proxy two descriptors: where the hard RLIMIT_NOFILE is 20,000 (and cannot be raised without
           CAP_SYS_RESOURCE), 9,800 connections (the host keeps 128 descriptors aside, so it holds at most ~9,930)

  python3 benchmarks/footprint.py --target "jit=/tmp/pub-jit/Convey.Host --config {config}" \\
      --target "native=/tmp/pub-native/convey --config {config}" --haproxy

A measuring instrument, never run by tests; run it alone on the machine (flock /tmp/bench.lock ...).
"""
import argparse
import os
import resource
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

FRONTEND, STATS, BACKEND = 18480, 18481, 18482


def write_configs(d):
    convey = os.path.join(d, "convey.toml")
    with open(convey, "w") as f:
        f.write(f"""[frontends.web]
listen_addr = "127.0.0.1:{FRONTEND}"
backend = "web"

[backends.web]
health_check_interval = 5
  [backends.web.servers.s1]
  addr = "127.0.0.1:{BACKEND}"

[stats]
port = {STATS}
""")
    haproxy = os.path.join(d, "haproxy.cfg")
    with open(haproxy, "w") as f:
        f.write(f"""global
  maxconn 9950
  nbthread 1
defaults
  mode tcp
  timeout connect 5s
  timeout client 600s
  timeout server 600s
frontend f
  bind 127.0.0.1:{FRONTEND}
  default_backend b
backend b
  server s1 127.0.0.1:{BACKEND} check inter 5s
""")
    return convey, haproxy


class GreetingBackend(threading.Thread):
    """Accepts every connection, writes one byte to it, and holds it open until stopped."""

    def __init__(self):
        super().__init__(daemon=True)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", BACKEND))
        self.listener.listen(4096)
        self.listener.setblocking(False)
        self.held = []
        self.running = True

    def run(self):
        sel = selectors.DefaultSelector()
        sel.register(self.listener, selectors.EVENT_READ)
        while self.running:
            for _ in sel.select(0.2):
                while True:
                    try:
                        conn, _ = self.listener.accept()
                    except BlockingIOError:
                        break
                    try:
                        conn.send(b"x")
                    except OSError:
                        pass
                    self.held.append(conn)

    def drop_all(self):
        held, self.held = self.held, []
        for c in held:
            c.close()


def accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), 0.05):
            return True
    except OSError:
        return False


def status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def start(command, ports):
    t0 = time.perf_counter()
    p = subprocess.Popen(["sh", "-c", "exec " + command], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    waiting = list(ports)
    deadline = t0 + 30
    while waiting and time.perf_counter() < deadline:
        if p.poll() is not None:
            sys.exit(f"{command} exited with {p.returncode}")
        if accepts(waiting[0]):
            waiting.pop(0)
        else:
            time.sleep(0.001)
    if waiting:
        stop(p)
        sys.exit(f"{command} did not listen on {waiting} within 30 s")
    return p, (time.perf_counter() - t0) * 1000


def stop(p):
    try:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    except ProcessLookupError:
        pass


def serve_backend():
    backend = GreetingBackend()
    backend.start()
    for line in sys.stdin:  # one line per "drop every connection"; end of input stops the backend
        backend.drop_all()
        print("dropped", flush=True)


def loaded_rss(pid, n, backend):
    clients = []
    try:
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", FRONTEND), 5)
            clients.append(s)
        for s in clients:
            s.settimeout(10)
            if s.recv(1) != b"x":
                return None
        time.sleep(1.0)
        return status(pid, "VmRSS") / 1024
    finally:
        for s in clients:
            s.close()
        backend.stdin.write("drop\n")
        backend.stdin.flush()
        backend.stdout.readline()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", action="append", default=[], help="NAME=command ({config} is the Convey configuration)")
    ap.add_argument("--haproxy", action="store_true", help="measure HAProxy with the same frontend too")
    ap.add_argument("--starts", type=int, default=5)
    ap.add_argument("--serve-backend", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--conns", type=int, default=9800, help="idle proxied connections for the loaded figure (0: skip)")
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the targets and the backend inherit it
    if a.serve_backend:
        return serve_backend()
    d = tempfile.mkdtemp(prefix="footprint-")
    convey, haproxy = write_configs(d)
    targets = []
    for t in a.target:
        name, _, command = t.partition("=")
        targets.append((name, command.replace("{config}", convey), [FRONTEND, STATS]))
    if a.haproxy:
        targets.append(("haproxy", f"haproxy -db -f {haproxy}", [FRONTEND]))
    backend = subprocess.Popen([sys.executable, __file__, "--serve-backend"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)
    results = {name: {"start": [], "rss": [], "threads": [], "loaded": None} for name, _, _ in targets}
    for run in range(a.starts):
        for name, command, ports in targets:
            p, ms = start(command, ports)
            try:
                results[name]["start"].append(ms)
                time.sleep(2.0)
                results[name]["rss"].append(status(p.pid, "VmRSS") / 1024)
                results[name]["threads"].append(status(p.pid, "Threads"))
                if run == 0 and a.conns:
                    results[name]["loaded"] = loaded_rss(p.pid, a.conns, backend)
            finally:
                stop(p)
    backend.stdin.close()
    backend.wait(10)
    print(f"| | start to listening, ms (median of {a.starts}) | idle RSS, MiB | threads | RSS with {a.conns} idle connections, MiB |")
    print("| --- | --- | --- | --- | --- |")
    for name, r in results.items():
        loaded = f"{r['loaded']:.1f}" if r["loaded"] is not None else "-"
        print(f"| {name} | {statistics.median(r['start']):.0f} | {statistics.median(r['rss']):.1f} | "
              f"{statistics.median(r['threads']):.0f} | {loaded} |")
        print(f"  {name}: starts {[round(x) for x in r['start']]}", file=sys.stderr)


if __name__ == "__main__":
    main()
