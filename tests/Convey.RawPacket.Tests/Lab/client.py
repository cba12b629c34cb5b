#!/usr/bin/env python3
"""Lab client. `client.py get URL COUNT`: COUNT requests, one line each: "ok <body>" or "err <error>".
`client.py sha256 URL`: downloads URL and prints "ok <sha256 hex> <bytes>" or "err <error>"."""
import hashlib, sys, urllib.request

mode, url = sys.argv[1], sys.argv[2]
if mode == "get":
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
