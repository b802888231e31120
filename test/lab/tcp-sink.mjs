#!/usr/bin/env node
// Kernel TCP baseline, receiving end (run inside a lab namespace by
// lab.tcpTransfer). Accepts one connection, hashes everything until EOF, then
// answers one JSON line {bytes, sha256} and closes. Prints "listening" when ready.
// usage: node tcp-sink.mjs --port P [--host ADDR]
import { createHash } from "node:crypto";
import { createServer } from "node:net";

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const port = Number(arg("port", "5201"));
const host = arg("host", "0.0.0.0");

const server = createServer((sock) => {
  server.close(); // one transfer per sink
  const hash = createHash("sha256");
  let bytes = 0;
  sock.on("data", (d) => { bytes += d.length; hash.update(d); });
  sock.on("end", () => {
    sock.end(JSON.stringify({ bytes, sha256: hash.digest("hex") }) + "\n");
  });
  sock.on("error", (e) => { console.error(`tcp-sink: ${e.message}`); process.exitCode = 1; });
});
server.listen(port, host, () => console.log(`listening ${host}:${port}`));
