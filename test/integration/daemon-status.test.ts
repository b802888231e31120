// `servald status --json` against real daemons in two namespaces: counters,
// per-interface rx/tx, the neighbour, and the tunnels of `msp listen|connect
// --forward` processes with an open stream (reported to their daemon), gone
// when the process ends; and the one-line error (exit 3) with no daemon.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MeshLine, meshLine, mspForwarder, mspListener, SERVALD, tcpPeer, waitUntil } from "../helpers/mesh";
import type { LabProcess } from "../lab/index";

let L: MeshLine;
let A: string;
let B: string;

interface Tunnel { mode: string; mdp_port: number; tcp_port: number; service: string | null; sid: string | null; pid: number | null; streams: number; streams_total: number; bytes_in: number; bytes_out: number }
interface Status {
  running: boolean; version: string; pid: number; uptime: number; sid: string; neighbours: number; routes: number;
  neighbour_list: { sid: string; interface: string | null }[];
  interfaces: { name: string; rx_packets: number; rx_bytes: number; tx_packets: number; tx_bytes: number; tx_failed: number }[];
  drops: Record<string, number>; counters: Record<string, number>; tables: Record<string, { size: number; max: number }>;
  clients: Record<string, number>; tunnels: Tunnel[]; tunnels_total: number;
}

async function status(node: string): Promise<Status> {
  const r = await L.mesh.cli(node, "status", "--json");
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout.split("\n").length, 2, "one line of JSON");
  return JSON.parse(r.stdout) as Status;
}

async function until(node: string, what: string, ok: (s: Status) => boolean): Promise<Status> {
  let last: Status | undefined;
  await waitUntil(async () => ok(last = await status(node)), 20_000, `${node}: ${what}`, 200)
    .catch((e: Error) => { throw new Error(`${e.message}; last: ${JSON.stringify(last?.tunnels)}`); });
  return last!;
}

test.before(async () => {
  assert.ok(existsSync(SERVALD), `${SERVALD} missing: run make servald`);
  L = await meshLine("svstat", 2);
  [A, B] = [L.nodes[0]!, L.nodes[1]!];
});

test.after(async () => { await L?.close(); });

test("no daemon: one line on stderr, exit 3, nothing on stdout", () => {
  const dir = mkdtempSync(join(tmpdir(), "svstat-none-"));
  try {
    const r = spawnSync(SERVALD, ["status", "--json"], { env: { ...process.env, SERVALINSTANCE_PATH: dir, SERVAL_RUN_PATH: dir }, encoding: "utf8" });
    assert.is(r.status, 3);
    assert.is(r.stdout, "");
    assert.is(r.stderr, `servald: not running (instance ${dir})\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a running daemon: version, SID, the neighbour, interface counters, tables with caps", async () => {
  const s = await until(A, "packets both ways", (x) => x.interfaces.length === 1 && x.interfaces[0]!.rx_packets > 0 && x.interfaces[0]!.tx_packets > 0);
  assert.is(s.running, true);
  assert.match(s.version, /^\d+\.\d+\.\d+/);
  assert.is(s.sid, L.sids[0]);
  assert.is(s.neighbours, 1);
  assert.equal(s.neighbour_list.map((n) => n.sid), [L.sids[1]]);
  assert.ok(s.interfaces[0]!.rx_bytes > s.interfaces[0]!.rx_packets, "bytes counted");
  assert.ok(s.counters.packets_in! > 0 && s.counters.frames_in! > 0, JSON.stringify(s.counters));
  assert.is(typeof s.drops.no_route, "number");
  assert.is(s.tables.neighbours!.max, 64);
  assert.ok(s.tables.subscribers!.size >= 2);
  assert.is(s.tables.tunnels!.size, 0);
  assert.equal(s.tunnels, []);
});

test("tunnels: listed by mode and port with their open stream, bytes counted, dropped when the process ends", async () => {
  const srv = tcpPeer(L, A, ["serve", "6101", "hello from A\\n", "/dev/null"]);
  let hold: LabProcess | undefined;
  await srv.waitFor(/^listening/m);
  const ls = await mspListener(L, A, ["--forward=6101", "--service=web", "601"]);
  const c = await mspForwarder(L, B, ["--forward=6102", L.sids[0]!, "601"]);
  try {
    let sa = await until(A, "the listener reported", (x) => x.tunnels.length === 1);
    assert.equal(sa.tunnels[0], {
      name: null, mode: "listen", mdp_port: 601, tcp_port: 6101, service: "web", sid: null, pid: sa.tunnels[0]!.pid, hosted: false,
      streams: 0, streams_total: 0, bytes_in: 0, bytes_out: 0,
    });
    assert.ok(sa.tunnels[0]!.pid! > 0);
    // a TCP client on B that sends a line and keeps its side open (the server half-closes after its greeting)
    hold = L.lab.spawn(B, process.execPath, ["-e",
      "const s=require('net').connect({port:6102,host:'127.0.0.1',allowHalfOpen:true},()=>{s.write('hi there\\n');console.log('connected')});s.on('data',(d)=>console.log('got',d.length));setInterval(()=>{},1000)"]);
    await hold.waitFor(/^got \d+/m, { timeoutMs: 20_000 });
    // (the stream count is reported at once, its bytes with the next heartbeat: within 5 s)
    sa = await until(A, "one open stream", (x) => x.tunnels[0]?.streams === 1 && x.tunnels[0]!.bytes_in === 9 && x.tunnels[0]!.bytes_out > 0);
    assert.is(sa.tunnels[0]!.bytes_out, "hello from A\n".length, "the server's greeting went out to the mesh");
    const sb = await until(B, "one open stream", (x) => x.tunnels[0]?.streams === 1 && x.tunnels[0]!.bytes_in > 0 && x.tunnels[0]!.bytes_out > 0);
    assert.is(sb.tunnels[0]!.bytes_in, "hello from A\n".length);
    assert.equal([sb.tunnels[0]!.mode, sb.tunnels[0]!.mdp_port, sb.tunnels[0]!.tcp_port, sb.tunnels[0]!.sid], ["connect", 601, 6102, L.sids[0]]);
    assert.is(sb.tunnels[0]!.bytes_out, 9);
    assert.is(sb.tunnels[0]!.streams_total, 1);
    await hold.kill("SIGKILL", 1000);
    hold = undefined;
    await until(B, "the stream closed", (x) => x.tunnels[0]?.streams === 0 && x.tunnels[0]!.streams_total === 1);
    await ls.kill("SIGTERM", 3000);
    sa = await until(A, "the listener is gone", (x) => x.tunnels.length === 0);
    assert.is(sa.tables.tunnels!.size, 0);
  } finally {
    await hold?.kill("SIGKILL", 1000);
    await c.kill("SIGTERM", 3000);
    await ls.kill("SIGTERM", 3000);
    await srv.kill("SIGKILL", 1000);
  }
});

test("the daemon stopped: status --json says so in one line, exit 3", async () => {
  await L.mesh.stop(B);
  const r = await L.mesh.cli(B, "status", "--json");
  assert.is(r.code, 3);
  assert.is(r.stdout, "");
  assert.match(r.stderr, /^servald: not running \(instance [^\n]+\)\n$/);
});

test.run();
