#!/usr/bin/env node
// Kernel TCP baseline, sending end (run inside a lab namespace by
// lab.tcpTransfer). Connects, sends BYTES of random data, half-closes, waits
// for the sink's {bytes, sha256} answer and prints one JSON line:
// {seconds, sentSha256, receivedSha256, receivedBytes}; seconds runs from
// before connect() to the answer.
// usage: node tcp-source.mjs --host ADDR --port P --bytes N [--timeout-ms T]
import { createHash, randomBytes } from "node:crypto";
import { connect } from "node:net";

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const host = arg("host");
const port = Number(arg("port", "5201"));
const total = Number(arg("bytes", String(1 << 20)));
const timeoutMs = Number(arg("timeout-ms", "120000"));

const CHUNK = 256 * 1024;
const hash = createHash("sha256");
const start = process.hrtime.bigint();
const sock = connect({ host, port });
const timer = setTimeout(() => { console.error("tcp-source: timeout"); process.exit(2); }, timeoutMs);

let sent = 0;
function pump() {
  while (sent < total) {
    const n = Math.min(CHUNK, total - sent);
    const chunk = randomBytes(n);
    hash.update(chunk);
    sent += n;
    if (!sock.write(chunk)) { sock.once("drain", pump); return; }
  }
  sock.end();
}
sock.on("connect", pump);
let answer = "";
sock.on("data", (d) => { answer += d; });
sock.on("end", () => {
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  clearTimeout(timer);
  const r = JSON.parse(answer.trim());
  console.log(JSON.stringify({ seconds, sentSha256: hash.digest("hex"), receivedSha256: r.sha256, receivedBytes: r.bytes }));
});
sock.on("error", (e) => { console.error(`tcp-source: ${e.message}`); process.exit(1); });
