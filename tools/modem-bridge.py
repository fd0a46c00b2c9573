#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The host side of the live image's UART "modem": QEMU's serial port <-> TCP.

    modem-bridge.py [--seed HEX] [--timeout S] -- qemu-system-arm ... -serial tcp:127.0.0.1:{port} ...

Listens on 127.0.0.1 (an ephemeral port), starts the command with {port}
replaced, takes QEMU's serial connection and serves the framing of
port/include/edgetoken/et_uart_modem.h: 'O' opens a TCP connection to
host:port (a name resolved here, as a modem's DNS does), 'D' carries
data, 'R' grants credit for data to the device, 'C' closes; 'E' reports a
failure. At start-up the image sends 'H' and gets 'S': the wall clock and
an entropy seed (os.urandom, or --seed). QEMU's semihosting output goes to
this process's stdout; the exit status is QEMU's (the image's).

The seed is a stand-in: QEMU's mps2 has no TRNG. A real device MUST use its
TRNG. --log prints each frame on stderr.
"""

import argparse
import os
import selectors
import socket
import struct
import subprocess
import sys
import time

MAX = 1024


class Bridge:
    def __init__(self, serial, seed, log):
        self.serial = serial
        self.seed = seed
        self.log = log
        self.sel = selectors.DefaultSelector()
        self.sel.register(serial, selectors.EVENT_READ, None)
        self.links = {}  # link byte -> {"sock", "credit", "eof"}
        self.buf = b""

    def say(self, *a):
        if self.log:
            print("modem-bridge:", *a, file=sys.stderr, flush=True)

    def frame(self, kind, link, payload=b""):
        self.say("->", kind, link, len(payload))
        self.serial.sendall(struct.pack(">cBH", kind, link, len(payload)) + payload)

    def drop(self, link):
        l = self.links.pop(link, None)
        if l:
            try:
                self.sel.unregister(l["sock"])
            except (KeyError, ValueError):
                pass
            l["sock"].close()

    def want_read(self, link):
        l = self.links[link]
        ev = selectors.EVENT_READ if l["credit"] > 0 and not l["eof"] else 0
        if ev and not l["reg"]:
            self.sel.register(l["sock"], ev, link)
            l["reg"] = True
        elif not ev and l["reg"]:
            self.sel.unregister(l["sock"])
            l["reg"] = False

    def handle(self, kind, link, p):
        self.say("<-", kind, link, len(p))
        if kind == b"H":
            print("modem-bridge: WARNING: handing the image an entropy seed over the serial "
                  "line (QEMU's mps2 has no TRNG); a real device MUST use its TRNG",
                  file=sys.stderr, flush=True)
            self.frame(b"S", 0, struct.pack(">Q", int(time.time())) + self.seed)
        elif kind == b"O":
            self.drop(link)
            host, _, port = p.decode("ascii", "replace").rpartition(":")
            try:
                addrs = socket.getaddrinfo(host, int(port), type=socket.SOCK_STREAM)
            except (socket.gaierror, ValueError) as e:
                self.say("open %r: %s" % (p, e))
                self.frame(b"E", link, b"\x01")
                return
            err = b"\x02"
            for fam, typ, proto, _, addr in addrs:
                s = socket.socket(fam, typ, proto)
                s.settimeout(10)
                try:
                    s.connect(addr)
                except socket.timeout:
                    err = b"\x03"
                    s.close()
                    continue
                except OSError as e:
                    self.say("connect %r: %s" % (addr, e))
                    s.close()
                    continue
                s.setblocking(False)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.links[link] = {"sock": s, "credit": 0, "eof": False, "reg": False}
                self.frame(b"K", link)
                return
            self.frame(b"E", link, err)
        elif kind == b"D":
            l = self.links.get(link)
            if l is None:
                return
            try:
                l["sock"].setblocking(True)
                l["sock"].sendall(p)
                l["sock"].setblocking(False)
            except OSError:
                self.frame(b"E", link, b"\x04")
                self.drop(link)
        elif kind == b"R":
            l = self.links.get(link)
            if l is not None and len(p) == 2:
                l["credit"] += struct.unpack(">H", p)[0]
                self.want_read(link)
        elif kind == b"C":
            self.drop(link)

    def from_serial(self):
        try:
            data = self.serial.recv(65536)
        except OSError:  # QEMU exited
            return False
        if not data:
            return False
        self.buf += data
        while len(self.buf) >= 4:
            kind, link, n = struct.unpack(">cBH", self.buf[:4])
            if len(self.buf) < 4 + n:
                break
            p, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
            self.handle(kind, link, p)
        return True

    def from_net(self, link):
        l = self.links.get(link)
        if l is None:
            return
        try:
            data = l["sock"].recv(min(l["credit"], MAX))
        except BlockingIOError:
            return
        except OSError:
            self.frame(b"E", link, b"\x04")
            self.drop(link)
            return
        if not data:
            l["eof"] = True
            self.frame(b"C", link)
        else:
            l["credit"] -= len(data)
            self.frame(b"D", link, data)
        self.want_read(link)

    def run(self, proc, deadline):
        while proc.poll() is None:
            if time.monotonic() > deadline:
                print("modem-bridge: timeout, stopping QEMU", file=sys.stderr, flush=True)
                proc.kill()
                break
            for key, _ in self.sel.select(timeout=0.2):
                if key.data is None:
                    if not self.from_serial():
                        return
                else:
                    self.from_net(key.data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", help="hex seed for the image (default: os.urandom(32))")
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--log", action="store_true")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        ap.error("give the QEMU command after --")
    seed = bytes.fromhex(a.seed) if a.seed else os.urandom(32)
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    port = lsock.getsockname()[1]
    proc = subprocess.Popen([c.replace("{port}", str(port)) for c in cmd])
    lsock.settimeout(1.0)
    serial = None
    deadline = time.monotonic() + a.timeout
    while serial is None:
        try:
            serial, _ = lsock.accept()
        except socket.timeout:
            if proc.poll() is not None or time.monotonic() > deadline:
                break
    lsock.close()
    if serial is not None:
        serial.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        b = Bridge(serial, seed, a.log)
        try:
            b.run(proc, deadline)
        finally:
            for link in list(b.links):
                b.drop(link)
    try:
        rc = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = proc.wait()
    if serial is not None:
        serial.close()
    return rc


if __name__ == "__main__":
    sys.exit(main())
