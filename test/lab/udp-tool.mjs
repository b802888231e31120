#!/usr/bin/env node
// UDP probe for lab tests (runs inside a namespace).
//   recv --port P [--bind ADDR] [--expect N] [--idle-ms 500] [--max-ms 10000]
//     prints "ready", counts datagrams until N distinct arrived, or idleMs after
//     the last one, or maxMs, or SIGTERM; prints JSON {received, distinct, sources,
//     rcvbufErrors} (rcvbufErrors: datagrams the namespace dropped for a full socket buffer).
//   send --to ADDR --port P --count N [--size 200] [--interval-ms 0] [--burst 1] [--broadcast]
//     sends N datagrams (4-byte sequence number first), BURST of them every
//     INTERVAL ms (all at once when 0), and prints JSON
//     {sent, errors, errorCodes}: a failed sendto() is counted, never fatal.
import { createSocket } from "node:dgram";
import { readFileSync } from "node:fs";

const mode = process.argv[2];
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const flag = (name) => process.argv.includes(`--${name}`);
const port = Number(arg("port", "4999"));

if (mode === "recv") {
  const expect = Number(arg("expect", "0"));
  const idleMs = Number(arg("idle-ms", "500"));
  const maxMs = Number(arg("max-ms", "10000"));
  // A large buffer (capped by the host's rmem_max) so a briefly descheduled
  // receiver on a loaded machine does not turn into "loss".
  const sock = createSocket({ type: "udp4", reuseAddr: true, recvBufferSize: 4 << 20 });
  const rcvbufErrors = () => {
    const lines = readFileSync("/proc/net/snmp", "utf8").split("\n").filter((l) => l.startsWith("Udp:"));
    const names = lines[0].split(/\s+/), values = lines[1].split(/\s+/);
    return Number(values[names.indexOf("RcvbufErrors")]);
  };
  const rcvbufAtStart = rcvbufErrors();
  const seen = new Set();
  const sources = new Set();
  let received = 0;
  let idle;
  const finish = () => {
    console.log(JSON.stringify({ received, distinct: seen.size, sources: [...sources], rcvbufErrors: rcvbufErrors() - rcvbufAtStart }));
    sock.close();
    process.exit(0);
  };
  setTimeout(finish, maxMs);
  process.on("SIGTERM", finish);
  sock.on("message", (msg, rinfo) => {
    received++;
    sources.add(rinfo.address);
    if (msg.length >= 4) seen.add(msg.readUInt32BE(0));
    if (expect > 0 && seen.size >= expect) finish();
    clearTimeout(idle);
    idle = setTimeout(finish, idleMs);
  });
  sock.bind(port, arg("bind", "0.0.0.0"), () => console.log("ready"));
} else if (mode === "send") {
  const to = arg("to");
  const count = Number(arg("count", "100"));
  const size = Math.max(4, Number(arg("size", "200")));
  const intervalMs = Number(arg("interval-ms", "0"));
  const burst = Math.max(1, Number(arg("burst", "1")));
  const sock = createSocket("udp4");
  let sent = 0, errors = 0, done = 0;
  const errorCodes = {};
  const finish = () => {
    console.log(JSON.stringify({ sent, errors, errorCodes }));
    sock.close();
  };
  const one = (i) => {
    const buf = Buffer.alloc(size);
    buf.writeUInt32BE(i, 0);
    sock.send(buf, port, to, (err) => {
      if (err) { errors++; errorCodes[err.code] = (errorCodes[err.code] ?? 0) + 1; } else sent++;
      if (++done === count) finish();
    });
  };
  sock.bind(0, () => {
    if (flag("broadcast")) sock.setBroadcast(true);
    if (intervalMs > 0) {
      let i = 0;
      const t = setInterval(() => {
        for (let k = 0; k < burst && i < count; k++) one(i++);
        if (i === count) clearInterval(t);
      }, intervalMs);
    } else for (let i = 0; i < count; i++) one(i);
  });
} else {
  console.error("usage: udp-tool.mjs recv|send ...");
  process.exit(2);
}
