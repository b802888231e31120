// HIDDEN TEST HOOKS (not user commands; not listed by help): small programs
// that drive the platform layer through the real binary, used by
// test/integration/foundation-*.test.ts.
//   selftest echo [--addr=A] [--udp-port=N] [--tcp-port=N] [--device=IF] [--throw-on=TEXT]
//       UDP echo ("echo:<msg>" back to the sender) and/or TCP echo server;
//       logs "INFO: selftest echo ready udp=N tcp=M"; a UDP message equal to
//       --throw-on makes the handler throw (must be logged, server lives on);
//       SIGTERM/SIGINT: logs "INFO: selftest: stopping on SIG..." and exits 0.
//   selftest udp-send --to=A --port=N --msg=T [--broadcast] [--timeout-ms=N]
//       prints "reply from A:P: TEXT"; exit 1 on timeout.
//   selftest tcp-send --to=A --port=N --bytes=N [--timeout-ms=N]
//       streams N pattern bytes, half-closes, checks the echo; prints "tcp ok N bytes".
//   selftest interfaces   prints "name index addr netmask broadcast up running"
//   selftest unix-echo --name=N   Unix datagram echo ("echo:<msg>" to the sender);
//       N starting with "@" is abstract (Linux), else a path created mode 0600;
//       logs "INFO: selftest unix-echo ready"; SIGTERM exits 0
//   selftest unix-send --to=N --msg=T [--timeout-ms=N]  from an autobound
//       abstract name; prints "reply: TEXT"
//   selftest clock   prints "now N int32 true|false advanced M": the protocol
//       clock (platform/clock.ts), whether it is an int32 to the engine, and
//       how far it moved over a 100 ms timer
import { errorText, log } from "../platform/log";
import { clearTimer, exit, setTimer } from "../platform/loop";
import { listInterfaces } from "../platform/interfaces";
import { ipv4Format } from "../platform/ipv4";
import { print, utf8Decode, utf8Encode } from "../platform/proc";
import { nowMs } from "../platform/clock";
import { onSignal, closeSignals } from "../platform/signals";
import { TcpListener, TcpStream, tcpConnect } from "../platform/tcp";
import { UdpSocket } from "../platform/udp";
import { UnixDgram } from "../platform/unix";
import { intOption, needOption, ParsedArgs, UsageError } from "./args";
import { registerCommand } from "./registry";

/** Echoes a stream back with backpressure; half-closes after the peer does. */
function echoStream(s: TcpStream): void {
  let pending: Uint8Array | null = null;
  let peerDone = false;
  const flush = (): void => {
    while (pending) {
      const n = s.write(pending);
      if (n < 0) return;
      if (n === 0) {
        s.onWritable(flush);
        return;
      }
      pending = n < pending.length ? pending.subarray(n) : null;
    }
    s.onWritable(null);
    if (peerDone) {
      s.shutdownWrite();
      s.close();
    } else s.resume();
  };
  s.setHandlers({
    data(chunk) {
      pending = chunk.slice();
      s.pause();
      flush();
    },
    end() {
      peerDone = true;
      if (!pending) flush();
    },
    error(e) { log.warn(`selftest echo: ${errorText(e)}`); },
  });
}

function echo(a: ParsedArgs): void {
  const addr = a.options.get("addr") ?? "0.0.0.0";
  const udpPort = intOption(a, "udp-port", -1, 0, 65535);
  const tcpPort = intOption(a, "tcp-port", -1, 0, 65535);
  const throwOn = a.options.get("throw-on");
  let udp: UdpSocket | null = null;
  let tcp: TcpListener | null = null;
  if (udpPort >= 0) {
    const device = a.options.get("device");
    udp = UdpSocket.open({ port: udpPort, reuseAddr: true, broadcast: true, ...(device ? { device } : {}) });
    const sock = udp;
    sock.onMessage((data, from) => {
      const text = utf8Decode(data);
      if (throwOn !== undefined && text === throwOn) throw new Error(`thrown on purpose for '${text}'`);
      const n = sock.send(utf8Encode(`echo:${text}`), from.addr, from.port);
      if (n < 0) log.warn(`selftest echo: sendto failed (${n})`);
    });
  }
  if (tcpPort >= 0) {
    tcp = TcpListener.listen(addr, tcpPort);
    tcp.onAccept(echoStream);
  }
  onSignal((name) => {
    log.info(`selftest: stopping on ${name}`);
    udp?.close();
    tcp?.close();
    closeSignals();
    exit(0);
  });
  log.info(`selftest echo ready udp=${udp ? udp.port : "-"} tcp=${tcp ? tcp.port : "-"}`);
}

function udpSend(a: ParsedArgs): void {
  const to = needOption(a, "to");
  const port = intOption(a, "port", 4110, 1, 65535);
  const msg = needOption(a, "msg");
  const timeout = intOption(a, "timeout-ms", 3000, 1);
  const sock = UdpSocket.open({ port: 0, broadcast: a.flags.has("broadcast") });
  const timer = setTimer(timeout, () => {
    log.error("selftest udp-send: no reply");
    exit(1);
  });
  sock.onMessage((data, from) => {
    clearTimer(timer);
    print(`reply from ${ipv4Format(from.addr)}:${from.port}: ${utf8Decode(data)}\n`);
    sock.close();
    exit(0);
  });
  const r = sock.send(utf8Encode(msg), to, port);
  if (r < 0) throw new Error(`sendto failed (${r})`);
}

function tcpSend(a: ParsedArgs): void {
  const to = needOption(a, "to");
  const port = intOption(a, "port", 0, 1, 65535);
  const total = intOption(a, "bytes", 100000, 1);
  const timeout = intOption(a, "timeout-ms", 10000, 1);
  const data = new Uint8Array(total);
  // a pattern that does not repeat every 256 bytes; built by doubling copies (fast in quickjs)
  for (let i = 0; i < Math.min(total, 65521); i++) data[i] = (i * 7 + (i >>> 8)) & 255;
  for (let n = 65521; n < total; n *= 2) data.copyWithin(n, 0, Math.min(n, total - n));
  const got = new Uint8Array(total);
  let sent = 0, recvd = 0;
  setTimer(timeout, () => {
    log.error(`selftest tcp-send: timeout (sent ${sent}, received ${recvd})`);
    exit(1);
  });
  tcpConnect(to, port, (err, s) => {
    if (err || !s) {
      log.error(`selftest tcp-send: ${errorText(err)}`);
      exit(1);
    }
    const pump = (): void => {
      while (sent < total) {
        const n = s.write(data.subarray(sent));
        if (n <= 0) {
          if (n === 0) s.onWritable(pump);
          return;
        }
        sent += n;
      }
      s.onWritable(null);
      s.shutdownWrite();
    };
    s.setHandlers({
      data(chunk) {
        if (recvd + chunk.length > total) {
          log.error("selftest tcp-send: too much data echoed");
          exit(1);
        }
        got.set(chunk, recvd);
        recvd += chunk.length;
      },
      end() {
        for (let i = 0; i < total; i++) {
          if (got[i] !== data[i]) {
            log.error(`selftest tcp-send: mismatch at byte ${i} of ${recvd}`);
            exit(1);
          }
        }
        if (recvd !== total) {
          log.error(`selftest tcp-send: got ${recvd} of ${total} bytes`);
          exit(1);
        }
        print(`tcp ok ${total} bytes\n`);
        s.close();
        exit(0);
      },
      error(e) {
        log.error(`selftest tcp-send: ${errorText(e)}`);
        exit(1);
      },
    });
    pump();
  });
}

const unixName = (n: string): string => (n.startsWith("@") ? "\0" + n.slice(1) : n);

function unixEcho(a: ParsedArgs): void {
  const sock = UnixDgram.open(unixName(needOption(a, "name")));
  sock.onMessage((data, from) => {
    const r = sock.send(utf8Encode(`echo:${utf8Decode(data)}`), from);
    if (r < 0) log.warn(`selftest unix-echo: sendto failed (${r})`);
  });
  onSignal((name) => {
    log.info(`selftest: stopping on ${name}`);
    sock.close();
    closeSignals();
    exit(0);
  });
  log.info("selftest unix-echo ready");
}

function unixSend(a: ParsedArgs): void {
  const to = unixName(needOption(a, "to"));
  const msg = needOption(a, "msg");
  const sock = UnixDgram.open("");
  const timer = setTimer(intOption(a, "timeout-ms", 3000, 1), () => {
    log.error("selftest unix-send: no reply");
    exit(1);
  });
  sock.onMessage((data) => {
    clearTimer(timer);
    print(`reply: ${utf8Decode(data)}\n`);
    exit(0);
  });
  const r = sock.send(utf8Encode(msg), to);
  if (r < 0) throw new Error(`unix-send: sendto failed (${r})`);
}

function interfaces(): number {
  for (const i of listInterfaces()) {
    print(`${i.name} ${i.index} ${i.addr} ${i.netmask} ${i.broadcast}${i.up ? " up" : ""}${i.running ? " running" : ""}\n`);
  }
  return 0;
}

function clock(): void {
  const t = nowMs();
  setTimer(100, () => {
    print(`now ${t} int32 ${(t | 0) === t} advanced ${nowMs() - t}\n`);
    exit(0);
  });
}

registerCommand({
  words: ["selftest"],
  usage: "selftest echo|udp-send|tcp-send|interfaces|unix-echo|unix-send|clock [--options]",
  summary: "test hooks for the integration tests",
  hidden: true,
  flags: ["broadcast"],
  options: ["addr", "udp-port", "tcp-port", "device", "throw-on", "to", "port", "msg", "bytes", "timeout-ms", "name"],
  minArgs: 1,
  maxArgs: 1,
  run(a) {
    switch (a.positionals[0]) {
      case "echo": return echo(a);
      case "udp-send": return udpSend(a);
      case "tcp-send": return tcpSend(a);
      case "interfaces": return interfaces();
      case "unix-echo": return unixEcho(a);
      case "unix-send": return unixSend(a);
      case "clock": return clock();
      default: throw new UsageError(`unknown selftest '${a.positionals[0]}'`);
    }
  },
});
