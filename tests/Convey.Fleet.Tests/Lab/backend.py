#!/usr/bin/env python3
"""A fleet lab backend on TCP PORT: for every line a client sends, answers "<NAME> <line>" on the same connection, so a
client sees which server holds each of its connections, for as long as it lasts. Usage: backend.py NAME PORT"""
import socketserver, sys

NAME, PORT = sys.argv[1], int(sys.argv[2])


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(b"%s %s" % (NAME.encode(), line))
            self.wfile.flush()


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 1024


Server(("0.0.0.0", PORT), Handler).serve_forever()
