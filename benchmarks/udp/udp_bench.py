#!/usr/bin/env python3
"""Side-by-side UDP proxy benchmark on loopback: direct vs NGINX stream (UDP) vs Convey (protocol = "udp").

Each proxy runs pinned to one core (the last one); the load generator and the two echo servers share the others.
The load generator (udpload.c, compiled here with gcc) keeps exactly --window datagrams of 64 bytes in flight on each
of --sockets client sockets (one session each; a datagram unanswered for 200 ms is counted lost and replaced, its late
reply is counted and ignored) and measures datagrams/s and the round-trip p99 over --secs seconds,
--rounds times per target; the table shows medians and the median of each round's Convey/NGINX ratio. Both proxies balance round-robin over
the same two echo servers with a 30 s session timeout (NGINX: proxy_timeout 30s; Convey: idle_timeout 30, the default)
and a 4 MB receive buffer on the frontend socket (NGINX: rcvbuf=4m; Convey asks for 4 MB itself).

Run it alone on the machine, e.g.:
  flock /tmp/bench.lock python3 benchmarks/udp/udp_bench.py --convey "/tmp/pub/Convey.Host --config {config}"
--convey may be given several times (e.g. the native and the JIT build, named with --label): each runs on the same
core in turn, with a column and a ratio to NGINX of its own.
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
BASE_PORTS = {"direct": ECHO[0], "nginx": 19311}
CONVEY_PORT = 19321
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


def write_configs(d, convey_ports):
    nginx = os.path.join(d, "nginx-udp.conf")
    with open(nginx, "w") as f:
        f.write("""load_module %(mod)s;
worker_processes 1; daemon off; pid %(d)s/nu.pid; error_log %(d)s/nu.err;
worker_rlimit_nofile 20000;
events { worker_connections 16000; }
stream {
  upstream b { server 127.0.0.1:%(a)d; server 127.0.0.1:%(b)d; }
  server { listen 127.0.0.1:%(p)d udp rcvbuf=4m; proxy_pass b; proxy_timeout 30s; }
}
""" % {"mod": NGINX_MODULE, "d": d, "a": ECHO[0], "b": ECHO[1], "p": BASE_PORTS["nginx"]})
    configs = []
    for i, port in enumerate(convey_ports):
        configs.append(os.path.join(d, "convey%d.toml" % i))
        with open(configs[-1], "w") as f:
            f.write("""[frontends.udp]
listen_addr = "127.0.0.1:%d"
backend = "echo"
protocol = "udp"

[backends.echo.servers.a]
addr = "127.0.0.1:%d"

[backends.echo.servers.b]
addr = "127.0.0.1:%d"
""" % (port, ECHO[0], ECHO[1]))
    return nginx, configs


def main():
    signal.signal(signal.SIGTERM, lambda s, f: sys.exit(128 + s))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--convey", required=True, action="append",
                    help="command that starts Convey; {config} is replaced by the TOML path (may be repeated)")
    ap.add_argument("--label", action="append", default=[], help="a name for each --convey, in order (default: Convey, Convey 2, ...)")
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
    labels = [a.label[i] if i < len(a.label) else ("Convey" if i == 0 else "Convey %d" % (i + 1)) for i in range(len(a.convey))]
    conveys = {label: CONVEY_PORT + i for i, label in enumerate(labels)}
    ports = dict(BASE_PORTS, **conveys)
    nginx_cfg, convey_cfgs = write_configs(d, list(conveys.values()))
    procs = Procs()
    try:
        for port in ECHO:
            procs.start([load, "echo", str(port)], load_cpu)
        procs.start(["nginx", "-c", nginx_cfg], proxy_cpu)
        for i, (command, config) in enumerate(zip(a.convey, convey_cfgs)):
            procs.start(["sh", "-c", "exec " + command.replace("{config}", config)], proxy_cpu,
                        log=open(os.path.join(d, "convey%d.log" % i), "w"))
        for target, port in ports.items():
            if not answers(port):
                sys.exit("%s does not answer on %d (logs in %s)" % (target, port, d))
        res = {t: {"dps": [], "p50": [], "p99": [], "lost": [], "late": []} for t in ports}
        for r in range(a.rounds):
            for target, port in ports.items():
                out = subprocess.run(["taskset", "-c", load_cpu, load, "client", str(port), str(a.secs), str(a.sockets), str(a.window)],
                                     check=True, capture_output=True, text=True).stdout.split()
                for key, value in zip(("dps", "p50", "p99", "lost", "late"), (float(x) for x in out)):
                    res[target][key].append(value)
            print("round %d/%d done" % (r + 1, a.rounds), file=sys.stderr)
        med = {t: {k: statistics.median(v) for k, v in m.items()} for t, m in res.items()}
        print("| figure (median of %d rounds, %d sockets x %d in flight, 64-byte datagrams) | direct | NGINX stream | %s | %s |"
              % (a.rounds, a.sockets, a.window, " | ".join(labels), " | ".join("%s / NGINX" % label for label in labels)))
        print("|" + " --- |" * (3 + 2 * len(labels)))
        for key, name in (("dps", "datagrams/s (round trips)"), ("p50", "p50 round trip, us"), ("p99", "p99 round trip, us"),
                          ("lost", "lost per run (unanswered 200 ms)"), ("late", "late replies per run")):
            ratios = []
            for label in labels:
                # The median of each round's ratio: both ran within seconds of each other, on the same loaded machine.
                pairs = [c / n for c, n in zip(res[label][key], res["nginx"][key]) if n]
                ratios.append("%.2f" % statistics.median(pairs) if pairs else "-")
            print("| %s | %.0f | %.0f | %s | %s |" % (name, med["direct"][key], med["nginx"][key],
                                                     " | ".join("%.0f" % med[label][key] for label in labels), " | ".join(ratios)))
        print("raw: %s" % res, file=sys.stderr)
    finally:
        procs.stop()


if __name__ == "__main__":
    main()
