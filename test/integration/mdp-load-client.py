#!/usr/bin/env python3
# A minimal local MDP client (protocol v2, spec 7.2) for the load test: Node has
# no Unix datagram sockets. Blocking socket: the daemon's receive queue (10
# datagrams) paces us exactly as fast as the daemon reads.
#   send SOCKET DEST_SID_HEX PORT COUNT SIZE   -> prints "sent N"
#   recv SOCKET PORT COUNT IDLE_S              -> prints "received UNIQUE DUPLICATES"
import os, socket, struct, sys, tempfile, time

HDR = struct.Struct("=32sI32sIBBB")  # host byte order, as the C struct
FLAG_BIND = 0x04
ANY = bytes(32)

def open_client(path, port):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    me = os.path.join(tempfile.mkdtemp(prefix="h15mdp"), "c")
    s.bind(me)
    s.connect(path)
    s.send(HDR.pack(ANY, port, ANY, 0, FLAG_BIND, 0, 0))
    s.settimeout(5)
    while True:
        d = s.recv(2000)
        _, lport, _, rport, flags, _, _ = HDR.unpack_from(d)
        if flags & 0x10:
            sys.exit(f"bind {port} refused")
        if flags & FLAG_BIND:
            return s, lport

def main():
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == "send":
        dest, port, count, size = bytes.fromhex(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
        s, lport = open_client(path, 0)
        s.settimeout(None)
        pad = bytes(size - 4)
        t0 = time.time()
        for i in range(count):
            s.send(HDR.pack(ANY, lport, dest, port, 0, 0, 0) + struct.pack(">I", i) + pad)
        print(f"sent {count} in {time.time() - t0:.2f} s", flush=True)
    else:
        port, count, idle = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
        s, _ = open_client(path, port)
        print("bound", flush=True)
        seen, dups, first, last = set(), 0, None, None
        s.settimeout(idle)
        while len(seen) < count:
            try:
                d = s.recv(2000)
            except socket.timeout:
                if seen:
                    break
                continue
            _, _, _, _, flags, _, _ = HDR.unpack_from(d)
            if flags or len(d) < HDR.size + 4:
                continue
            i = struct.unpack_from(">I", d, HDR.size)[0]
            now = time.time()
            first = first or now
            last = now
            if i in seen:
                dups += 1
            seen.add(i)
        span = (last - first) if first else 0
        print(f"received {len(seen)} {dups} {span:.2f}", flush=True)

main()
