// The demo's HTTP ends (plain Node, no dependencies), run inside namespaces.
//   server PORT BYTES   GET / -> BYTES random bytes (X-Sha256 header); POST / -> {bytes, sha256} of the body
//   get PORT            fetches / and prints {bytes, seconds, sha256, expected}
//   post PORT BYTES     uploads BYTES random bytes, prints {bytes, seconds, sha256, answer}
import http from "node:http";
import { createHash, randomBytes } from "node:crypto";

const [mode, port, n] = process.argv.slice(2);
const sha = (b) => createHash("sha256").update(b).digest("hex");

if (mode === "server") {
  const body = randomBytes(Number(n));
  const digest = sha(body);
  http.createServer((req, res) => {
    if (req.method === "POST") {
      const h = createHash("sha256");
      let bytes = 0;
      req.on("data", (d) => { h.update(d); bytes += d.length; });
      req.on("end", () => res.end(JSON.stringify({ bytes, sha256: h.digest("hex") })));
    } else {
      res.writeHead(200, { "content-length": body.length, "x-sha256": digest, "content-type": "application/octet-stream" });
      res.end(body);
    }
  }).listen(Number(port), "127.0.0.1", () => console.log("listening"));
} else if (mode === "get") {
  const t0 = process.hrtime.bigint();
  http.get({ host: "127.0.0.1", port: Number(port), path: "/" }, (res) => {
    const h = createHash("sha256");
    let bytes = 0;
    res.on("data", (d) => { h.update(d); bytes += d.length; });
    res.on("end", () => console.log(JSON.stringify({ bytes, seconds: Number(process.hrtime.bigint() - t0) / 1e9, sha256: h.digest("hex"), expected: res.headers["x-sha256"] })));
  }).on("error", (e) => { console.log(JSON.stringify({ error: String(e) })); process.exit(1); });
} else if (mode === "post") {
  const body = randomBytes(Number(n));
  const t0 = process.hrtime.bigint();
  const req = http.request({ host: "127.0.0.1", port: Number(port), path: "/", method: "POST", headers: { "content-length": body.length } }, (res) => {
    let text = "";
    res.on("data", (d) => { text += d; });
    res.on("end", () => console.log(JSON.stringify({ bytes: body.length, seconds: Number(process.hrtime.bigint() - t0) / 1e9, sha256: sha(body), answer: JSON.parse(text) })));
  });
  req.on("error", (e) => { console.log(JSON.stringify({ error: String(e) })); process.exit(1); });
  req.end(body);
}
