#!/usr/bin/env python3
"""A lab backend: GET / answers "<name> <peer address> <peer port>"; GET /big answers 10 MiB made of
sha256("0"), sha256("1"), ... (the same on every backend, and easy to rebuild in a test). It listens on IPv4 and IPv6;
an IPv4 peer is shown as such (not IPv4-mapped). Usage: backend.py NAME PORT"""
import hashlib, http.server, socket, sys

NAME, PORT = sys.argv[1], int(sys.argv[2])
BIG = b"".join(hashlib.sha256(str(i).encode()).digest() for i in range(10 * 1024 * 1024 // 32))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        peer = self.client_address[0].removeprefix("::ffff:")
        body = BIG if self.path == "/big" else ("%s %s %d\n" % (NAME, peer, self.client_address[1])).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def log_message(self, *args):
        pass


class DualStackServer(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6
    allow_reuse_address = True

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


DualStackServer(("::", PORT), Handler).serve_forever()
