#!/usr/bin/env python3
"""Fleet lab client (talks to backend.py through the VIP).

`client.py hold HOST PORT CONNECTIONS SECONDS`: opens CONNECTIONS connections and, on each, sends a line every 50 ms
and waits for its answer, for SECONDS. Prints "ready" once every connection had its first answer, then, at the end, one
line per connection: "ok <servers answering, comma-separated> <longest wait for an answer in ms> <answers>" or
"err <answers so far> <error>". A connection that breaks is not reopened.

`client.py load HOST PORT RATE`: opens RATE connections a second, each sending one line and reading its answer, until
its standard input closes. Prints "started" at once, then at the end "ok <answered> err <failed>" and one line per
failure ("fail <error>")."""
import socket, sys, threading, time


def answer(s, buffer):
    while b"\n" not in buffer:
        chunk = s.recv(4096)
        if not chunk:
            raise EOFError("closed by the peer")
        buffer += chunk
    line, rest = buffer.split(b"\n", 1)
    return line.decode(), rest


def hold(host, port, connections, seconds):
    sockets = []
    for _ in range(connections):
        s = socket.create_connection((host, port), timeout=30)
        sockets.append(s)
    results = [None] * connections

    def run(i, s):
        servers, longest, count, buffer = [], 0.0, 0, b""
        try:
            s.settimeout(seconds + 30)
            deadline = time.monotonic() + seconds
            while True:
                sent = time.monotonic()
                s.sendall(b"%d\n" % count)
                line, buffer = answer(s, buffer)
                waited = time.monotonic() - sent
                server = line.split(" ", 1)[0]
                if server not in servers:
                    servers.append(server)
                longest, count = max(longest, waited), count + 1
                if count == 1:
                    first.release()
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.05)
            results[i] = "ok %s %d %d" % (",".join(servers), longest * 1000, count)
        except Exception as e:  # every failure is a result line
            if count == 0:
                first.release()
            results[i] = "err %d %r" % (count, e)
        finally:
            s.close()

    first = threading.Semaphore(0)
    threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(sockets)]
    for t in threads:
        t.start()
    for _ in threads:
        first.acquire()
    print("ready", flush=True)
    for t in threads:
        t.join()
    for line in results:
        print(line, flush=True)


def load(host, port, rate):
    lock, counts, failures, threads = threading.Lock(), [0, 0], [], []
    stop = threading.Event()

    def one():
        try:
            with socket.create_connection((host, port), timeout=10) as s:
                s.sendall(b"x\n")
                answer(s, b"")
            with lock:
                counts[0] += 1
        except Exception as e:  # every failure is counted and reported
            with lock:
                counts[1] += 1
                failures.append(repr(e))

    def watch_stdin():
        sys.stdin.read()
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    print("started", flush=True)
    start, n = time.monotonic(), 0
    while not stop.is_set():
        t = threading.Thread(target=one)
        t.start()
        threads.append(t)
        n += 1
        stop.wait(max(0.0, start + n / rate - time.monotonic()))
    for t in threads:
        t.join()
    print("ok %d err %d" % (counts[0], counts[1]), flush=True)
    for f in failures:
        print("fail " + f, flush=True)


mode = sys.argv[1]
if mode == "hold":
    hold(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
elif mode == "load":
    load(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
else:
    sys.exit("usage: client.py hold HOST PORT CONNECTIONS SECONDS | load HOST PORT RATE")
