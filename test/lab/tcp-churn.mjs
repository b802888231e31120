#!/usr/bin/env node
// Connection churn through a TCP path (run inside a lab namespace): --cycles
// connections, at most --parallel at once; each connects, sends --bytes of
// random data (0: none), half-closes and reads until the peer closes, or with
// --abort destroys the socket right after connecting (a "quick connect").
// Prints one JSON line {seconds, ok, failed, errors: {message: count}}.
// usage: node tcp-churn.mjs --host ADDR --port P [--cycles 500] [--parallel 1] [--bytes 0] [--abort]
import { randomBytes } from "node:crypto";
import { connect } from "node:net";

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const host = arg("host", "127.0.0.1");
const port = Number(arg("port"));
const cycles = Number(arg("cycles", "500"));
const parallel = Number(arg("parallel", "1"));
const bytes = Number(arg("bytes", "0"));
const abort = process.argv.includes("--abort");
const t0 = Date.now();
let started = 0, ok = 0, failed = 0;
const errors = {};

function one() {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    let done = false;
    const finish = (err) => {
      if (done) return;
      done = true;
      if (err) { failed++; errors[err] = (errors[err] ?? 0) + 1; } else ok++;
      sock.destroy();
      resolve();
    };
    sock.on("connect", () => {
      if (abort) { finish(); return; }
      sock.end(bytes > 0 ? randomBytes(bytes) : undefined);
    });
    sock.on("data", () => {});
    sock.on("end", () => finish());
    sock.on("close", () => finish());
    sock.on("error", (e) => finish(e.code ?? e.message));
  });
}

async function worker() {
  while (started < cycles) {
    started++;
    await one();
  }
}
await Promise.all(Array.from({ length: Math.min(parallel, cycles) }, worker));
console.log(JSON.stringify({ seconds: (Date.now() - t0) / 1000, ok, failed, errors }));
