#!/usr/bin/env node
// TCP transfer test, receiving end (run inside a lab namespace). For each
// accepted connection: hash everything until EOF, then answer one JSON line
// {bytes, sha256} and close. Serves --count connections (default 1), then
// exits. Prints "listening" when ready. Works through a TCP tunnel as well
// as over kernel TCP: the answer needs only a half-closed stream.
// On SIGTERM it prints {"partial":true,"bytes":[...]} (bytes so far per
// accepted connection) and exits: how a timed-out transfer reports progress.
// usage: node tcp-sink.mjs --port P [--host ADDR] [--count N]
import { createHash } from "node:crypto";
import { createServer } from "node:net";

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const port = Number(arg("port", "5201"));
const host = arg("host", "0.0.0.0");
let left = Number(arg("count", "1"));
const counts = [];
process.on("SIGTERM", () => {
  console.log(JSON.stringify({ partial: true, bytes: counts.map((c) => c.bytes) }));
  process.exit(0);
});

const server = createServer((sock) => {
  if (--left === 0) server.close();
  const hash = createHash("sha256");
  const count = { bytes: 0 };
  counts.push(count);
  sock.on("data", (d) => { count.bytes += d.length; hash.update(d); });
  sock.on("end", () => {
    sock.end(JSON.stringify({ bytes: count.bytes, sha256: hash.digest("hex") }) + "\n");
  });
  sock.on("error", (e) => { console.error(`tcp-sink: ${e.message}`); process.exitCode = 1; });
});
server.listen(port, host, () => console.log(`listening ${host}:${port}`));
