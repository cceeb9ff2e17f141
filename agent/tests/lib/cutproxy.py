#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that cuts the connection at chosen points, for
the stream tests' network cuts (resume after a cut at a random point).

  cutproxy.py --to PORT [--listen PORT] [--port-file F]
              [--cut-at N[,N...]] [--dead-after N] [--count-file F]

Counts the bytes going client -> server over all connections.  --cut-at:
when the count passes each N (once each), the connection is reset (RST).
--dead-after: once the count passes N, the connection is reset and every
later connection is refused (reset on accept) for the proxy's life: the
client exhausts its retries and gives up, as on a long network outage.
Prints nothing; --port-file gets the listening port once it listens;
--count-file gets the client -> server byte count each time a connection
closes and when it stops.
Stops on SIGTERM."""
import argparse
import os
import selectors
import signal
import socket
import struct
import sys


def reset(sock):
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


class Proxy:
    def __init__(self, args):
        self.to = args.to
        self.cuts = sorted(int(n) for n in args.cut_at.split(",") if n) if args.cut_at else []
        self.dead_after = args.dead_after
        self.count_file = args.count_file
        self.dead = False
        self.count = 0
        self.sel = selectors.DefaultSelector()
        self.peer = {}

    def accept(self, lsock):
        client, _ = lsock.accept()
        if self.dead:
            reset(client)
            return
        try:
            server = socket.create_connection(("127.0.0.1", self.to))
        except OSError:
            reset(client)
            return
        for s in (client, server):
            s.setblocking(False)
        self.peer[client] = (server, True)
        self.peer[server] = (client, False)
        self.sel.register(client, selectors.EVENT_READ)
        self.sel.register(server, selectors.EVENT_READ)

    def save_count(self):
        if self.count_file:
            with open(self.count_file + ".tmp", "w") as f:
                f.write("%d\n" % self.count)
            os.rename(self.count_file + ".tmp", self.count_file)

    def drop(self, sock):
        self.save_count()
        other, _ = self.peer.pop(sock, (None, None))
        for s in (sock, other):
            if s is None:
                continue
            self.peer.pop(s, None)
            try:
                self.sel.unregister(s)
            except (KeyError, ValueError):
                pass
            reset(s)

    def must_cut(self):
        if self.dead_after is not None and self.count >= self.dead_after:
            self.dead = True
            return True
        if self.cuts and self.count >= self.cuts[0]:
            while self.cuts and self.count >= self.cuts[0]:
                self.cuts.pop(0)
            return True
        return False

    def pump(self, sock):
        other, upstream = self.peer[sock]
        try:
            data = sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            self.drop(sock)
            return
        if upstream:
            self.count += len(data)
            if self.must_cut():
                self.drop(sock)
                return
        try:
            other.setblocking(True)
            other.sendall(data)
            other.setblocking(False)
        except OSError:
            self.drop(sock)

    def run(self, lsock):
        self.sel.register(lsock, selectors.EVENT_READ)
        while True:
            for key, _ in self.sel.select():
                if key.fileobj is lsock:
                    self.accept(lsock)
                elif key.fileobj in self.peer:
                    self.pump(key.fileobj)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--to", type=int, required=True)
    ap.add_argument("--listen", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--cut-at", default="")
    ap.add_argument("--dead-after", type=int)
    ap.add_argument("--count-file")
    args = ap.parse_args()
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", args.listen))
    lsock.listen(64)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % lsock.getsockname()[1])
        os.rename(args.port_file + ".tmp", args.port_file)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    proxy = Proxy(args)
    try:
        proxy.run(lsock)
    except KeyboardInterrupt:
        pass
    finally:
        proxy.save_count()
    return 0


if __name__ == "__main__":
    sys.exit(main())
