#!/usr/bin/env python3
"""Side-by-side UDP proxy benchmark on loopback: direct vs NGINX stream (UDP) vs Convey (protocol = "udp").

Each proxy runs pinned to one core (the last one); the load generator and the two echo servers share the others.
The load generator (udpload.c, compiled here with gcc) keeps exactly --window datagrams of 64 bytes in flight on each
of --sockets client sockets (one session each; a datagram unanswered for 200 ms is counted lost and replaced, its late
reply is counted and ignored) and measures datagrams/s and the round-trip p99 over --secs seconds,
--rounds times per target; the table shows medians and Convey/NGINX ratios. Both proxies balance round-robin over
the same two echo servers with a 30 s session timeout (NGINX: proxy_timeout 30s; Convey: idle_timeout 30, the default).

Run it alone on the machine, e.g.:
  flock /tmp/bench.lock python3 benchmarks/udp/udp_bench.py --convey "/tmp/pub/Convey.Host --config {config}"
Needs: gcc, nginx with the stream module (Debian: nginx-light + libnginx-mod-stream), taskset.
"""
import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ECHO = (19301, 19302)
PORTS = {"direct": ECHO[0], "nginx": 19311, "convey": 19321}
NGINX_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so"


def cpus():
    n = os.cpu_count() or 1
    return ("0", "0") if n == 1 else (str(n - 1), "0-%d" % (n - 2))


class Procs:
    def __init__(self):
        self.procs = []

    def start(self, cmd, cpu, log=None):
        p = subprocess.Popen(["taskset", "-c", cpu] + cmd, stdout=log or subprocess.DEVNULL,
                             stderr=subprocess.STDOUT if log else subprocess.DEVNULL, start_new_session=True)
        self.procs.append(p)
        return p

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def answers(port, timeout=60.0):
    """Waits until a datagram to 127.0.0.1:port gets a reply."""
    end = time.time() + timeout
    while time.time() < end:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.5)
            try:
                s.sendto(b"ping", ("127.0.0.1", port))
                s.recvfrom(2048)
                return True
            except OSError:
                time.sleep(0.2)
    return False


def write_configs(d):
    nginx = os.path.join(d, "nginx-udp.conf")
    with open(nginx, "w") as f:
        f.write("""load_module %(mod)s;
worker_processes 1; daemon off; pid %(d)s/nu.pid; error_log %(d)s/nu.err;
worker_rlimit_nofile 20000;
events { worker_connections 16000; }
stream {
  upstream b { server 127.0.0.1:%(a)d; server 127.0.0.1:%(b)d; }
  server { listen 127.0.0.1:%(p)d udp; proxy_pass b; proxy_timeout 30s; }
}
""" % {"mod": NGINX_MODULE, "d": d, "a": ECHO[0], "b": ECHO[1], "p": PORTS["nginx"]})
    convey = os.path.join(d, "convey.toml")
    with open(convey, "w") as f:
        f.write("""[frontends.udp]
listen_addr = "127.0.0.1:%d"
backend = "echo"
protocol = "udp"

[backends.echo.servers.a]
addr = "127.0.0.1:%d"

[backends.echo.servers.b]
addr = "127.0.0.1:%d"
""" % (PORTS["convey"], ECHO[0], ECHO[1]))
    return nginx, convey


def main():
    signal.signal(signal.SIGTERM, lambda s, f: sys.exit(128 + s))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--convey", required=True, help="command that starts Convey; {config} is replaced by the TOML path")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--secs", type=float, default=3)
    ap.add_argument("--sockets", type=int, default=64)
    ap.add_argument("--window", type=int, default=4)
    a = ap.parse_args()
    for tool in ("gcc", "nginx", "taskset"):
        if not shutil.which(tool):
            sys.exit("missing: %s" % tool)
    if not os.path.exists(NGINX_MODULE):
        sys.exit("missing %s (apt-get install libnginx-mod-stream)" % NGINX_MODULE)
    proxy_cpu, load_cpu = cpus()
    d = tempfile.mkdtemp(prefix="udp-bench-")
    load = os.path.join(d, "udpload")
    subprocess.run(["gcc", "-O2", "-o", load, os.path.join(os.path.dirname(os.path.abspath(__file__)), "udpload.c")], check=True)
    nginx_cfg, convey_cfg = write_configs(d)
    procs = Procs()
    try:
        for port in ECHO:
            procs.start([load, "echo", str(port)], load_cpu)
        procs.start(["nginx", "-c", nginx_cfg], proxy_cpu)
        procs.start(["sh", "-c", "exec " + a.convey.replace("{config}", convey_cfg)], proxy_cpu,
                    log=open(os.path.join(d, "convey.log"), "w"))
        for target, port in PORTS.items():
            if not answers(port):
                sys.exit("%s does not answer on %d (logs in %s)" % (target, port, d))
        res = {t: {"dps": [], "p50": [], "p99": [], "lost": [], "late": []} for t in PORTS}
        for r in range(a.rounds):
            for target, port in PORTS.items():
                out = subprocess.run(["taskset", "-c", load_cpu, load, "client", str(port), str(a.secs), str(a.sockets), str(a.window)],
                                     check=True, capture_output=True, text=True).stdout.split()
                for key, value in zip(("dps", "p50", "p99", "lost", "late"), (float(x) for x in out)):
                    res[target][key].append(value)
            print("round %d/%d done" % (r + 1, a.rounds), file=sys.stderr)
        med = {t: {k: statistics.median(v) for k, v in m.items()} for t, m in res.items()}
        print("| figure (median of %d rounds, %d sockets x %d in flight, 64-byte datagrams) | direct | NGINX stream | Convey | Convey / NGINX |"
              % (a.rounds, a.sockets, a.window))
        print("| --- | --- | --- | --- | --- |")
        for key, label in (("dps", "datagrams/s (round trips)"), ("p50", "p50 round trip, us"), ("p99", "p99 round trip, us"), ("lost", "lost per run (unanswered 200 ms)"), ("late", "late replies per run")):
            n, c = med["nginx"][key], med["convey"][key]
            ratio = "%.2f" % (c / n) if n else "-"
            print("| %s | %.0f | %.0f | %.0f | %s |" % (label, med["direct"][key], n, c, ratio))
        print("raw: %s" % res, file=sys.stderr)
    finally:
        procs.stop()


if __name__ == "__main__":
    main()
