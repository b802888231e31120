// Issue 13: `msp listen/connect --forward` survive a daemon restart. An upload
// runs through the tunnel while one side's daemon is stopped and started
// again (same instance, same SID); neither msp process is touched. The upload
// in flight ends, the listener binds its port again on the new daemon, and a
// new tunnel connection works soon after the new daemon is up (the time is
// printed). Then: a daemon that does not come back makes the process exit 255
// (SERVAL_MSP_RECONNECT_S shortens the wait), and a stdio stream whose daemon
// goes away ends with 255 at once.
// TUNNEL_RESTART_MB (default 16) sizes the upload; 50 is the run.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { loadavg as osLoad } from "node:os";
import { exitWithin, MeshLine, meshLine, msp, mspListener, randomFile, SERVALD, tcpListening } from "../helpers/mesh";
import { sleep } from "./mdp-helpers";
import { labScript, LabProcess } from "../lab/index";

const MB = Number(process.env.TUNNEL_RESTART_MB ?? 16);
let L: MeshLine;
let sink: LabProcess;
let ls: LabProcess;
let c: LabProcess;

test.before(async () => {
  assert.ok(existsSync(SERVALD), `${SERVALD} missing: run make servald`);
  // 20 Mbit/s: the upload is still in flight when a daemon stops.
  L = await meshLine("svrst", 2, { rateMbit: 20 });
  sink = L.lab.spawnNode("n0", labScript("tcp-sink.mjs"), ["--port", "7101", "--host", "127.0.0.1", "--count", "100000"]);
  await sink.waitFor(/^listening/m);
  ls = await mspListener(L, "n0", ["--forward=7101", "--service=rst", "612"]);
  c = msp(L, "n1", ["connect", "--forward=7102", L.sids[0]!, "612"]);
  await tcpListening(c, 7102);
});

test.after(async () => { await L?.close(); });

/** One connection of `bytes` through the tunnel, answered by the sink: true if it arrived intact. */
async function through(bytes: number, timeoutMs: number): Promise<boolean> {
  const r = await L.lab.exec("n1", process.execPath, [labScript("tcp-source.mjs"), "--host", "127.0.0.1", "--port", "7102", "--bytes", String(bytes), "--timeout-ms", String(timeoutMs)], { check: false, timeoutMs: timeoutMs + 10_000 });
  try {
    const res = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as { timedOut?: boolean; connections: { sentSha256: string; receivedSha256: string; receivedBytes: number }[] };
    const x = res.connections[0]!;
    return !res.timedOut && x.receivedBytes === bytes && x.sentSha256 === x.receivedSha256;
  } catch {
    return false;
  }
}

/** The upload of MB in the background; the daemon of `node` stops once it runs and starts again 1 s later. */
async function restartDuringUpload(node: string): Promise<{ upload: LabProcess; upAt: number }> {
  const upload = L.lab.spawnNode("n1", labScript("tcp-source.mjs"), ["--host", "127.0.0.1", "--port", "7102", "--bytes", String(MB << 20), "--timeout-ms", "120000"]);
  await sleep(1500);
  assert.ok(upload.running, `the upload is still running when the daemon stops: ${upload.stdout}`);
  const sid = L.mesh.daemons.get(node)!.sid;
  await L.mesh.stop(node);
  await sleep(1000);
  const d = await L.mesh.launch(node, sid);
  return { upload, upAt: d.upAt };
}

/** Seconds from `since` until a new tunnel connection carries 64 KiB intact. */
async function firstWorking(since: number): Promise<number> {
  for (;;) {
    if (await through(64 << 10, 4000)) return (Date.now() - since) / 1000;
    if (Date.now() - since > 60_000) throw new Error(`no tunnel connection worked within 60 s of the new daemon; listen: ${ls.stderr.slice(-1500)} connect: ${c.stderr.slice(-1500)}`);
  }
}

test("a connection works through the tunnel before any restart", async () => {
  assert.ok(await through(256 << 10, 20_000));
});

test(`listener's daemon restarts during a ${MB} MB upload: the listener rebinds, new connections work, no msp process restarted`, async () => {
  const pids = [ls.pid, c.pid];
  const { upload, upAt } = await restartDuringUpload("n0");
  const s = await firstWorking(upAt);
  console.log(`    new tunnel connection worked ${s.toFixed(1)} s after the new listener-side daemon was up (load ${loadavg()})`);
  const up = await exitWithin(upload, 60_000, "the interrupted upload");
  assert.is(up.code, 0);
  assert.not.ok(uploadIntact(upload), `the upload in flight cannot have survived the restart: ${upload.stdout}`);
  assert.ok(ls.running && c.running, "both msp processes still run");
  assert.equal([ls.pid, c.pid], pids);
  console.log(ls.stderr.split("\n").filter((l) => /servald|suddenly/.test(l)).map((l) => `      listen: ${l}`).join("\n"));
  assert.match(ls.stderr, /servald went away \(1 streams lost\): reconnecting for up to 30 s/);
  assert.match(ls.stderr, /servald is back after \d+\.\d s: listening on port 612 again/);
  assert.match(ls.stderr, /Connection with [0-9A-F]{64}:\d+ closed suddenly/);
  assert.ok(s < 20, `took ${s} s`);
  // The service is announced again on the new daemon.
  const d = await L.mesh.cli("n1", "msp", "discover", "rst");
  assert.match(d.stdout, new RegExp(`${L.sids[0]} rst 612`));
});

test(`connector's daemon restarts during a ${MB} MB upload: its stream ends, new connections work`, async () => {
  const pids = [ls.pid, c.pid];
  const before = c.stderr.length;
  const { upload, upAt } = await restartDuringUpload("n1");
  const s = await firstWorking(upAt);
  console.log(`    new tunnel connection worked ${s.toFixed(1)} s after the new connect-side daemon was up (load ${loadavg()})`);
  await exitWithin(upload, 60_000, "the interrupted upload");
  assert.not.ok(uploadIntact(upload), `the upload in flight cannot have survived the restart: ${upload.stdout}`);
  assert.ok(ls.running && c.running, "both msp processes still run");
  assert.equal([ls.pid, c.pid], pids);
  const log = c.stderr.slice(before);
  console.log(log.split("\n").filter((l) => /servald|suddenly/.test(l)).map((l) => `      connect: ${l}`).join("\n"));
  assert.match(log, /servald went away \(1 streams lost\): reconnecting for up to 30 s/);
  assert.match(log, /Connection with [0-9A-F]{64}:612 closed suddenly/);
  assert.ok(s < 20, `took ${s} s`);
});

test("a daemon that does not come back: msp listen exits 255 after SERVAL_MSP_RECONNECT_S", async () => {
  const p = await mspListener(L, "n0", ["--forward=7101", "613"], { env: { SERVAL_MSP_RECONNECT_S: "2" } });
  const sid = L.mesh.daemons.get("n0")!.sid;
  await L.mesh.stop("n0");
  const r = await exitWithin(p, 15_000, "msp listen without a daemon");
  assert.is(r.code, 255, p.stderr);
  assert.match(p.stderr, /servald went away: reconnecting for up to 2 s/);
  assert.match(p.stderr, /servald did not come back within 2 s \(servald is not running \(no socket at [^)]*\)\): exiting/);
  assert.ok(r.ms < 8000, `exited after ${r.ms} ms`);
  await L.mesh.launch("n0", sid);
});

test("a stdio stream whose daemon goes away ends at once with 255", async () => {
  const l2 = await mspListener(L, "n0", ["614"]);
  // 64 MiB at 20 Mbit/s: still sending when the daemon stops.
  const c2 = msp(L, "n1", ["connect", L.sids[0]!, "614"], { stdin: randomFile(L.mesh, "big.in", 64 << 20) });
  await sleep(2000);
  const sid = L.mesh.daemons.get("n1")!.sid;
  await L.mesh.stop("n1");
  const r = await exitWithin(c2, 10_000, "stdio msp connect");
  assert.is(r.code, 255, c2.stderr);
  assert.match(c2.stderr, /closed suddenly/);
  assert.match(c2.stderr, /servald went away$/m);
  await L.mesh.launch("n1", sid);
  await l2.kill("SIGTERM");
});

function loadavg(): string {
  return osLoad().map((x) => x.toFixed(2)).join(" ");
}

/** The background upload's own report: did all of it arrive intact? */
function uploadIntact(p: LabProcess): boolean {
  const res = JSON.parse(p.stdout.trim().split("\n").pop() ?? "{}") as { connections?: { sentSha256: string; receivedSha256: string; receivedBytes: number }[] };
  const x = res.connections?.[0];
  return x !== undefined && x.receivedBytes === MB << 20 && x.sentSha256 === x.receivedSha256;
}

test.run();
