// Daemon-hosted tunnels (config keys tunnels.N.*, src/daemon/tunnels.ts)
// between two real daemons in namespaces: a listen tunnel in A's daemon, a
// connect tunnel in B's, no msp process. TCP client in B -> tunnel -> TCP
// server in A: 1 MiB each way intact with half-close in both orders, many
// parallel connections, a daemon-hosted end against a CLI `msp connect` /
// `msp listen` at the other end, service discovery, reload (SIGHUP) adding
// and removing tunnels, and strict start-up validation (FILE:LINE).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LabProcess } from "../lab/index";
import { exitWithin, MeshLine, meshLine, mspForwarder, mspListener, randomFile, SERVALD, setDaemonTunnels, sha256File, tmpPath, waitUntil } from "../helpers/mesh";

let L: MeshLine;
let A: string; // listen tunnels: the TCP servers are here
let B: string; // connect tunnels: the TCP clients are here
let sidA: string;

/**
 * serve PORT SEND_FILE ORDER: accept connections until killed; per connection
 *   ORDER "after-eof": read to EOF, then send SEND_FILE and close;
 *   ORDER "at-once": send SEND_FILE and half-close at once, read to EOF.
 *   One JSON line per connection {received, sha256}.
 * client PORT SEND_FILE N: N connections at once, each sends SEND_FILE then
 *   half-closes and reads to EOF; one JSON line per connection {received, sha256, ms}.
 */
const PEER = String.raw`
import net from "node:net"; import { createHash } from "node:crypto"; import fs from "node:fs";
const [mode, port, file, arg] = process.argv.slice(2);
const data = fs.readFileSync(file);
function collect(sock, done) {
  const h = createHash("sha256"); let received = 0;
  sock.on("data", (d) => { h.update(d); received += d.length; });
  sock.on("end", () => done(received, h.digest("hex")));
  sock.on("error", (e) => console.log(JSON.stringify({ error: e.code ?? String(e), received })));
}
if (mode === "serve") {
  net.createServer({ allowHalfOpen: true }, (sock) => {
    if (arg === "at-once") sock.end(data);
    collect(sock, (received, sha256) => {
      console.log(JSON.stringify({ received, sha256 }));
      if (arg !== "at-once") sock.end(data);
    });
  }).listen(Number(port), "127.0.0.1", () => console.log("listening"));
} else {
  let left = Number(arg);
  for (let i = 0; i < Number(arg); i++) {
    const t0 = Date.now();
    const sock = net.connect({ port: Number(port), host: "127.0.0.1", allowHalfOpen: true }, () => sock.end(data));
    collect(sock, (received, sha256) => {
      console.log(JSON.stringify({ received, sha256, ms: Date.now() - t0 }));
      sock.destroy();
      if (--left === 0) setTimeout(() => process.exit(0), 20);
    });
  }
}
`;

interface PeerLine { received: number; sha256: string; error?: string }

function peer(node: string, args: string[]): LabProcess {
  const script = join(L.mesh.base, "tunnel-peer.mjs");
  writeFileSync(script, PEER);
  return L.lab.spawn(node, process.execPath, [script, ...args]);
}

function lines(p: LabProcess): PeerLine[] {
  return p.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as PeerLine);
}

const setTunnels = (node: string, tunnels: Record<string, string>[], ready?: RegExp): Promise<void> => setDaemonTunnels(L.mesh, node, tunnels, ready);

const logOf = (node: string): string => L.mesh.daemonLog(node);

/** Waits for the one-connection client `cl` and the msp process `p` to exit 0 and checks both files arrived intact. */
async function exchanged(cl: LabProcess, srv: LabProcess, p: LabProcess, up: string, down: string): Promise<void> {
  assert.is((await exitWithin(cl, 90_000, "tcp client")).code, 0, cl.stdout + cl.stderr);
  assert.is((await exitWithin(p, 20_000, "msp process")).code, 0, p.stderr);
  await waitUntil(async () => lines(srv).length === 1, 10_000, "server saw EOF");
  await srv.kill("SIGTERM");
  assert.equal(lines(cl).map((x) => [x.received, x.sha256]), [[1 << 20, sha256File(down)]]);
  assert.equal(lines(srv).map((x) => [x.received, x.sha256]), [[1 << 20, sha256File(up)]]);
}

test.before(async () => {
  assert.ok(existsSync(SERVALD), `${SERVALD} missing: run make servald`);
  L = await meshLine("svdtun", 2);
  [A, B] = [L.nodes[0]!, L.nodes[1]!];
  sidA = L.sids[0]!;
  await setTunnels(A, [{ name: "web_in", mode: "listen", mdp_port: "600", tcp_port: "7001", service: "web" }], /tunnel 'web_in': forwarding MDP port 600 -> 127.0.0.1:7001/);
  await setTunnels(B, [{ name: "web_out", mode: "connect", mdp_port: "600", tcp_port: "7002", sid: sidA.toLowerCase() }], /tunnel 'web_out': forwarding 127.0.0.1:7002 -> [0-9A-F]{64}:600/);
});

test.after(async () => { await L?.close(); });

for (const order of ["after-eof", "at-once"]) {
  test(`1 MiB each way through two daemon-hosted tunnels, server answers ${order === "at-once" ? "at once and half-closes first" : "after the client's EOF"}`, async () => {
    const up = randomFile(L.mesh, `up-${order}`, 1 << 20);
    const down = randomFile(L.mesh, `down-${order}`, (1 << 20) + 12345);
    const srv = peer(A, ["serve", "7001", down, order]);
    await srv.waitFor(/^listening/m);
    const t0 = Date.now();
    const cl = peer(B, ["client", "7002", up, "1"]);
    assert.is((await exitWithin(cl, 90_000, "tcp client")).code, 0, cl.stdout + cl.stderr);
    await waitUntil(async () => lines(srv).length === 1, 10_000, "server saw EOF");
    await srv.kill("SIGTERM");
    const [c] = lines(cl), [s] = lines(srv);
    assert.equal({ received: c!.received, sha256: c!.sha256 }, { received: (1 << 20) + 12345, sha256: sha256File(down) });
    assert.equal({ received: s!.received, sha256: s!.sha256 }, { received: 1 << 20, sha256: sha256File(up) });
    console.log(`    ${order}: 2 MiB through in ${Date.now() - t0} ms`);
    await waitUntil(async () => /tunnel 'web_out': - Connection with [0-9A-F]{64}:600 closed gracefully/.test(logOf(B)) &&
      /tunnel 'web_in': - Connection with [0-9A-F]{64}:\d+ closed gracefully/.test(logOf(A)), 10_000, "both daemons logged the graceful close");
  });
}

test("40 parallel connections, 64 KiB each way, all intact", async () => {
  const up = randomFile(L.mesh, "par-up", 64 << 10);
  const down = randomFile(L.mesh, "par-down", 64 << 10);
  const srv = peer(A, ["serve", "7001", down, "after-eof"]);
  await srv.waitFor(/^listening/m);
  const cl = peer(B, ["client", "7002", up, "40"]);
  assert.is((await exitWithin(cl, 120_000, "tcp clients")).code, 0, cl.stdout + cl.stderr);
  await waitUntil(async () => lines(srv).length === 40, 10_000, "server saw 40 EOFs");
  await srv.kill("SIGTERM");
  const want = { received: 64 << 10, sha256: sha256File(down) };
  for (const c of lines(cl)) assert.equal({ received: c.received, sha256: c.sha256 }, want);
  assert.is(lines(cl).length, 40);
  for (const s of lines(srv)) assert.equal({ received: s.received, sha256: s.sha256 }, { received: 64 << 10, sha256: sha256File(up) });
});

test("a daemon-hosted listen tunnel serves a CLI `msp connect --forward`", async () => {
  const up = randomFile(L.mesh, "cli-up", 1 << 20);
  const down = randomFile(L.mesh, "cli-down", 1 << 20);
  const srv = peer(A, ["serve", "7001", down, "after-eof"]);
  await srv.waitFor(/^listening/m);
  const c = await mspForwarder(L, B, ["--once", "--forward=7003", sidA, "600"]);
  await exchanged(peer(B, ["client", "7003", up, "1"]), srv, c, up, down);
  assert.match(c.stderr, /Connection with [0-9A-F]{64}:600 closed gracefully/);
});

test("a daemon-hosted connect tunnel reaches a CLI `msp listen --forward`", async () => {
  const up = randomFile(L.mesh, "cli2-up", 1 << 20);
  const down = randomFile(L.mesh, "cli2-down", 1 << 20);
  const srv = peer(A, ["serve", "7005", down, "at-once"]);
  await srv.waitFor(/^listening/m);
  const ls = await mspListener(L, A, ["--once", "--forward=7005", "601"]);
  await setTunnels(B, [
    { name: "web_out", mode: "connect", mdp_port: "600", tcp_port: "7002", sid: sidA },
    { name: "cli_out", mode: "connect", mdp_port: "601", tcp_port: "7006", sid: sidA },
  ], /tunnel 'cli_out': forwarding/);
  await exchanged(peer(B, ["client", "7006", up, "1"]), srv, ls, up, down);
  assert.not.match(logOf(B), /tunnel 'web_out': stopped/, "an unchanged tunnel keeps running over a reload");
});

test("servald status --json lists the hosted tunnels (hosted, by name, no pid) with their stream counts", async () => {
  const r = await L.mesh.cli(A, "status", "--json");
  assert.is(r.code, 0, r.stderr);
  const st = JSON.parse(r.stdout) as { tunnels: Array<Record<string, unknown>> };
  const t = st.tunnels.find((x) => x.name === "web_in");
  assert.ok(t, r.stdout);
  assert.equal([t!.mode, t!.mdp_port, t!.tcp_port, t!.service, t!.pid, t!.hosted, t!.streams], ["listen", 600, 7001, "web", null, true, 0]);
  assert.ok((t!.streams_total as number) >= 43 && (t!.bytes_in as number) >= 3 << 20, JSON.stringify(t));
});

test("service discovery finds the daemon-hosted listen tunnel", async () => {
  const r = await L.mesh.cli(B, "msp", "discover", "--timeout=3", "web");
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.is(r.stdout.trim(), `${sidA} web 600`);
});

test("no TCP server behind a listen tunnel: the stream ends suddenly, the error is logged, the tunnel stays", async () => {
  const cl = peer(B, ["client", "7002", randomFile(L.mesh, "nobody", 1000), "1"]);
  assert.is((await exitWithin(cl, 30_000, "tcp client")).code, 0, cl.stdout + cl.stderr);
  assert.is(lines(cl)[0]!.received, 0);
  await waitUntil(async () => /ERROR: tunnel 'web_in': connect\(AF_INET:127\.0\.0\.1:7001\): Connection refused/.test(logOf(A)), 5000, "A logged the refused TCP connect");
  assert.match(logOf(A), /tunnel 'web_in': - Connection with [0-9A-F]{64}:\d+ closed suddenly/);
});

test("reload: a removed tunnel stops (its TCP port is closed), a taken TCP port is logged as an error and retried", async () => {
  const blocker = peer(B, ["serve", "7010", randomFile(L.mesh, "x", 1), "at-once"]);
  await blocker.waitFor(/^listening/m);
  await setTunnels(B, [{ name: "taken", mode: "connect", mdp_port: "600", tcp_port: "7010", sid: sidA }],
    /ERROR: tunnel 'taken': cannot listen on 127\.0\.0\.1:7010: .*; retrying every 5 s/);
  assert.match(logOf(B), /tunnel 'web_out': stopped/);
  const r = await L.lab.exec(B, "bash", ["-c", "exec 3<>/dev/tcp/127.0.0.1/7002"], { check: false });
  assert.ok(r.code !== 0, "nothing listens on 7002 any more");
  await blocker.kill("SIGTERM");
  await waitUntil(async () => /tunnel 'taken': now forwarding 127\.0\.0\.1:7010/.test(logOf(B)), 12_000, "the tunnel got its port");
});

test("start refuses a bad tunnel group with FILE:LINE (exit 2)", async () => {
  const dir = tmpPath(L.mesh, "badconf");
  const env = { ...L.mesh.env(A), SERVALINSTANCE_PATH: dir, SERVAL_RUN_PATH: dir };
  await L.lab.exec(A, "mkdir", ["-p", dir]);
  writeFileSync(join(dir, "serval.conf"), "tunnels.0.mode=connect\ntunnels.0.mdp_port=5\ntunnels.0.tcp_port=6\ntunnels.1.mode=listen\ntunnels.1.tcp_port=99999\n");
  const r = await L.lab.exec(A, SERVALD, ["start"], { env, check: false });
  assert.is(r.code, 2, r.stdout + r.stderr);
  assert.ok(r.stderr.includes(`${join(dir, "serval.conf")}:1: tunnels.0: mode 'connect' needs tunnels.N.sid`), r.stderr);
  assert.ok(r.stderr.includes(`serval.conf:5: bad value '99999' for tunnels.1.tcp_port: expected integer 1..65535`), r.stderr);
});

test.run();
