#!/usr/bin/env python3
# Local MDP clients that misbehave, for the fault kit (Node has no Unix
# datagram sockets). Protocol v2 header, host byte order (spec 7.2).
#   stuck SOCKET PORT [sendto]               bind PORT, print "bound PORT", never read (until killed);
#                                            connect()ed to the daemon unless "sendto" (as servald's and
#                                            Serval DNA's own clients, which the kernel's queue limit covers)
#   flood SOCKET SID_HEX PORT SECONDS RATE SIZE
#                                            send to SID:PORT for SECONDS (RATE/s, 0 = as fast as the
#                                            daemon reads); print "sent N in S s"
#   garbage SOCKET SECONDS SEED              random datagrams (short, long, random headers), never read
#                                            replies; print "sent N"
#   identity SOCKET TIMEOUT                  one IDENTITY request; print "identity OK MS" or "identity TIMEOUT"
#   anon SOCKET PORT                         from an UNBOUND socket: try to bind PORT; print "anon no-reply"
#                                            when nothing can come back (the daemon must ignore it)
import os, random, socket, struct, sys, tempfile, time

HDR = struct.Struct("=32sI32sIBBB")
FLAG_BIND, FLAG_CLOSE, FLAG_ERROR = 0x04, 0x08, 0x10
ANY = bytes(32)


class Client:
    """A client socket with a name; connect()ed to the daemon, or addressing it per datagram."""
    def __init__(self, path, connected=True):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.s.bind("\0" + os.path.join(tempfile.gettempdir(), f"svfault.{os.getpid()}.{random.getrandbits(32)}"))
        self.path = path
        if connected:
            self.s.connect(path)
        self.connected = connected

    def send(self, d):
        return self.s.send(d) if self.connected else self.s.sendto(d, self.path)

    def __getattr__(self, k):
        return getattr(self.s, k)


def client(path, connected=True):
    return Client(path, connected)


def bind(s, port):
    s.send(HDR.pack(ANY, port, ANY, 0, FLAG_BIND, 0, 0))
    s.settimeout(5)
    while True:
        d = s.recv(2000)
        _, lport, _, _, flags, _, _ = HDR.unpack_from(d)
        if flags & FLAG_ERROR:
            sys.exit(f"bind {port} refused")
        if flags & FLAG_BIND:
            return lport


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == "stuck":
        s = client(path, connected=(sys.argv[4:5] != ["sendto"]))
        port = bind(s, int(sys.argv[3]))
        print(f"bound {port}", flush=True)
        while True:
            time.sleep(3600)
    elif cmd == "flood":
        sid, port, secs, rate, size = bytes.fromhex(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
        s = client(path)
        lport = bind(s, 0)
        s.settimeout(None)
        msg = HDR.pack(ANY, lport, sid, port, 0, 0, 0) + bytes(max(0, size))
        t0 = time.time()
        n = 0
        while True:
            now = time.time()
            if now - t0 >= secs:
                break
            if rate > 0 and n >= (now - t0) * rate:
                time.sleep(min(0.005, max(0.0, n / rate - (now - t0))))
                continue
            s.send(msg)
            n += 1
        print(f"sent {n} in {time.time() - t0:.1f} s", flush=True)
    elif cmd == "garbage":
        secs, seed = float(sys.argv[3]), int(sys.argv[4])
        rnd = random.Random(seed)
        s = client(path)
        s.setblocking(True)
        t0 = time.time()
        n = 0
        while time.time() - t0 < secs:
            kind = rnd.randrange(4)
            if kind == 0:
                d = rnd.randbytes(rnd.randrange(0, 75))  # too short
            elif kind == 1:
                d = rnd.randbytes(rnd.randrange(75, 3000))  # random header and payload
            elif kind == 2:  # plausible header, random fields
                d = HDR.pack(rnd.choice([ANY, rnd.randbytes(32), b"\xff" * 32]), rnd.randrange(1 << 32), rnd.choice([ANY, rnd.randbytes(32), b"\xff" * 32]), rnd.randrange(8), rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)) + rnd.randbytes(rnd.randrange(0, 1500))
            else:  # local commands with junk payloads
                d = HDR.pack(ANY, 0, ANY, rnd.randrange(8), rnd.choice([0, FLAG_BIND, FLAG_CLOSE]), 0, 0) + rnd.randbytes(rnd.randrange(0, 200))
            try:
                s.send(d)
            except OSError:
                pass
            n += 1
        print(f"sent {n}", flush=True)
    elif cmd == "identity":
        timeout = float(sys.argv[3])
        s = client(path)
        t0 = time.time()
        s.send(HDR.pack(ANY, 0, ANY, 1, 0, 0, 0))
        s.settimeout(timeout)
        try:
            while True:
                d = s.recv(2000)
                if HDR.unpack_from(d)[4] & FLAG_CLOSE:
                    break
            print(f"identity OK {int((time.time() - t0) * 1000)}", flush=True)
        except socket.timeout:
            print("identity TIMEOUT", flush=True)
    elif cmd == "anon":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)  # never bound: no reply address
        s.sendto(HDR.pack(ANY, int(sys.argv[3]), ANY, 0, FLAG_BIND, 0, 0), path)
        print("anon no-reply", flush=True)
    else:
        sys.exit(f"unknown command {cmd}")


main()
