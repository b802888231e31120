#!/usr/bin/env node
// TCP transfer test, sending end (run inside a lab namespace). Opens
// --connections N (default 1) connections at once; each sends BYTES of random
// data, half-closes and waits for the sink's {bytes, sha256} answer. Prints
// one JSON line: {seconds, connections: [{seconds, sentSha256,
// receivedSha256, receivedBytes, error?}]}; seconds run from before the first
// connect() to the last answer. After --timeout-ms it prints the same with
// "timedOut":true (unfinished connections have receivedBytes -1) and exits 0.
// usage: node tcp-source.mjs --host ADDR --port P --bytes N [--connections N] [--timeout-ms T]
import { createHash, randomBytes } from "node:crypto";
import { connect } from "node:net";

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const host = arg("host");
const port = Number(arg("port", "5201"));
const total = Number(arg("bytes", String(1 << 20)));
const connections = Number(arg("connections", "1"));
const timeoutMs = Number(arg("timeout-ms", "120000"));

const CHUNK = 256 * 1024;
const start = process.hrtime.bigint();
const elapsed = () => Number(process.hrtime.bigint() - start) / 1e9;
const results = [];

function one() {
  return new Promise((resolve) => {
    const hash = createHash("sha256");
    const sock = connect({ host, port });
    let sent = 0, answer = "", done = false;
    const finish = (r) => { if (!done) { done = true; resolve(r); } };
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
    sock.on("data", (d) => { answer += d; });
    sock.on("end", () => {
      let r = {};
      try { r = JSON.parse(answer.trim()); } catch { /* no answer */ }
      finish({ seconds: elapsed(), sentSha256: hash.digest("hex"), receivedSha256: r.sha256 ?? "", receivedBytes: r.bytes ?? -1 });
    });
    sock.on("error", (e) => finish({ seconds: elapsed(), sentSha256: "", receivedSha256: "", receivedBytes: -1, error: e.message }));
  });
}

const pending = Array.from({ length: connections }, () => ({ seconds: 0, sentSha256: "", receivedSha256: "", receivedBytes: -1, error: "timeout" }));
const timer = setTimeout(() => {
  console.log(JSON.stringify({ seconds: elapsed(), timedOut: true, connections: pending }));
  process.exit(0);
}, timeoutMs);
const all = await Promise.all(Array.from({ length: connections }, (_, i) => one().then((r) => (pending[i] = r))));
clearTimeout(timer);
results.push(...all);
console.log(JSON.stringify({ seconds: elapsed(), connections: results }));
