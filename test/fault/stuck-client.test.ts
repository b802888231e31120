// Issue 13, item 1, with real daemons in two namespaces: a local client on A
// binds a port and never reads while another local process floods that port;
// a neighbour (B) pings A the whole time. Before the per-client queues the
// pings got 0/5, A stopped answering IDENTITY and burned ~0.75 s of CPU per
// second, and ~4 000 "closing dead MDP client" lines followed the client's exit.
// Then a client that sends garbage and never reads its replies, and one that
// sends from an unnamed socket.
// SERVAL_FAULT_SECONDS=90 runs the must-show length (CI: 8 s per flood).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Lab, LabProcess } from "../lab/index";
import { Daemon, Mesh, ping, procUsage, SERVALD, sleep, waitUntil } from "../integration/mdp-helpers";
import { ABUSE, faultSeconds } from "./kit";

const SECONDS = faultSeconds(8);
/** Flood rate (datagrams/s): well above what a router's clients send, low enough to measure CPU per datagram. */
const RATE = Number(process.env.SERVAL_FAULT_RATE) || 2000;

let lab: Lab;
let mesh: Mesh;
let a: Daemon;

test.before(async () => {
  assert.ok(existsSync(SERVALD), `${SERVALD} missing: run make servald`);
  lab = await Lab.create({ family: "svfstk" });
  await lab.line(["A", "B"]);
  mesh = new Mesh(lab);
  a = await mesh.start("A");
  await mesh.start("B");
  await waitUntil(async () => (await ping(mesh, "B", a.sid, 1, ["--timeout=1"])).received === 1, 20_000, "B reaches A");
});
test.after(async () => {
  await mesh?.cleanup();
  await lab?.cleanup();
});

const sock = () => join(a.dir, "mdp.2.socket");

/** Pings B -> A in rounds of 5 until `until` resolves; returns each round's answers. */
async function pingRounds(until: Promise<unknown>): Promise<number[]> {
  let done = false;
  void until.finally(() => { done = true; });
  const rounds: number[] = [];
  while (!done) {
    const r = await ping(mesh, "B", a.sid, 5, ["--interval=0.2", "--timeout=2"]);
    rounds.push(r.received);
    if (rounds.length > 1000) break;
  }
  return rounds;
}

/** ms until a second local client on A got its IDENTITY answer (Infinity: none within 3 s). */
async function identityMs(): Promise<number> {
  const r = await lab.exec("A", "python3", [ABUSE, "identity", sock(), "3"], { timeoutMs: 10_000, check: false });
  const m = /identity OK (\d+)/.exec(r.stdout);
  return m ? Number(m[1]) : Infinity;
}

function cpuShare(pid: number, run: () => Promise<void>): Promise<{ cpuMs: number; wallMs: number }> {
  const c0 = procUsage(pid).cpuMs, t0 = Date.now();
  return run().then(() => ({ cpuMs: procUsage(pid).cpuMs - c0, wallMs: Date.now() - t0 }));
}

test(`a client that never reads + a ${SECONDS} s flood (${RATE}/s) to it: B's pings 5/5, IDENTITY answered, CPU low, one log line`, async () => {
  const stuck: LabProcess = lab.spawn("A", "python3", [ABUSE, "stuck", sock(), "4242"]);
  await stuck.waitFor(/bound 4242/, { stream: "stdout" });
  const name = `svfault.${stuck.pid}.`;
  let sent = "";
  let idMs: number[] = [];
  let rounds: number[] = [];
  const usage = await cpuShare(a.proc.pid, async () => {
    const flood = lab.exec("A", "python3", [ABUSE, "flood", sock(), a.sid, "4242", String(SECONDS), String(RATE), "100"], { timeoutMs: (SECONDS + 60) * 1000 });
    const ids = (async () => {
      const out: number[] = [];
      await sleep(Math.min(2000, SECONDS * 250));
      out.push(await identityMs());
      await sleep(SECONDS * 400);
      out.push(await identityMs());
      return out;
    })();
    rounds = await pingRounds(flood);
    sent = (await flood).stdout.trim();
    idMs = await ids;
  });
  const lines = mesh.daemonLog("A").split("\n").filter((l) => l.includes(name));
  const n = Number(/sent (\d+)/.exec(sent)?.[1] ?? 0);
  console.log(`    flood: ${sent}; B->A ping rounds ${rounds.map((r) => `${r}/5`).join(" ")}; IDENTITY ${idMs.join(", ")} ms; ` +
    `A's CPU ${(usage.cpuMs / 1000).toFixed(1)} s in ${(usage.wallMs / 1000).toFixed(1)} s (${(usage.cpuMs / usage.wallMs * 100).toFixed(0)}%, ` +
    `${(usage.cpuMs / Math.max(1, n) * 1000).toFixed(0)} us per datagram); lines for the client: ${lines.length}`);
  assert.ok(n >= SECONDS * RATE * 0.5, `the flood ran (${sent})`);
  assert.ok(rounds.length >= 1 && rounds.every((r) => r === 5), `every ping round 5/5: ${rounds.join(" ")}`);
  assert.ok(idMs.every((ms) => ms < 1000), `IDENTITY answered within 1 s: ${idMs}`);
  // Each datagram is one SEND in and one dropped delivery: ~0.1 ms of CPU on this machine when it
  // works; the shared held list cost several times that (and rose with every datagram held).
  assert.ok(usage.cpuMs / usage.wallMs < 0.6, `A's CPU share ${(usage.cpuMs / usage.wallMs).toFixed(2)}`);
  assert.is(lines.length, 1, lines.join("\n"));
  assert.match(lines[0]!, /WARN: MDP client @.* is not reading its socket/);

  // The client exits: no line per held message, and the port is free again.
  await stuck.kill("SIGKILL");
  await lab.exec("A", "python3", [ABUSE, "flood", sock(), a.sid, "4242", "0.5", "200", "10"]);
  await sleep(1500);
  const after = mesh.daemonLog("A").split("\n").filter((l) => l.includes(name));
  assert.is(after.length, 1, after.join("\n"));
  const again = lab.spawn("A", "python3", [ABUSE, "stuck", sock(), "4242"]);
  await again.waitFor(/bound 4242/, { stream: "stdout" });
  await again.kill("SIGKILL");
});

test("the same with a client that does not connect() (as servald's and Serval DNA's): the kernel's queue limit, then its own queue", async () => {
  const stuck = lab.spawn("A", "python3", [ABUSE, "stuck", sock(), "4244", "sendto"]);
  await stuck.waitFor(/bound 4244/, { stream: "stdout" });
  const name = `svfault.${stuck.pid}.`;
  const flood = lab.exec("A", "python3", [ABUSE, "flood", sock(), a.sid, "4244", String(Math.min(SECONDS, 4)), String(RATE), "100"], { timeoutMs: 120_000 });
  const rounds = await pingRounds(flood);
  const id = await identityMs();
  await stuck.kill("SIGKILL");
  const lines = mesh.daemonLog("A").split("\n").filter((l) => l.includes(name));
  assert.ok(rounds.every((r) => r === 5), `every ping round 5/5: ${rounds.join(" ")}`);
  assert.ok(id < 1000);
  assert.is(lines.length, 1, lines.join("\n"));
});

test(`garbage for ${SECONDS} s from a client that never reads its replies: B's pings 5/5, IDENTITY answered, one line`, async () => {
  let out = "";
  let rounds: number[] = [];
  const before = mesh.daemonLog("A").split("\n").length;
  const usage = await cpuShare(a.proc.pid, async () => {
    const g = lab.exec("A", "python3", [ABUSE, "garbage", sock(), String(SECONDS), "13"], { timeoutMs: (SECONDS + 60) * 1000 });
    rounds = await pingRounds(g);
    out = (await g).stdout.trim();
  });
  const id = await identityMs();
  const newLines = mesh.daemonLog("A").split("\n").slice(before).filter((l) => /WARN|ERROR/.test(l));
  const n = Number(/sent (\d+)/.exec(out)?.[1] ?? 0);
  console.log(`    garbage: ${out}; ping rounds ${rounds.map((r) => `${r}/5`).join(" ")}; IDENTITY ${id} ms; ` +
    `A's CPU ${(usage.cpuMs / 1000).toFixed(1)} s in ${(usage.wallMs / 1000).toFixed(1)} s, ${(usage.cpuMs / Math.max(1, n) * 1000).toFixed(0)} us per datagram; warnings: ${newLines.length}`);
  assert.ok(n > 0);
  assert.ok(rounds.every((r) => r === 5), `every ping round 5/5: ${rounds.join(" ")}`);
  assert.ok(usage.cpuMs / Math.max(1, n) < 0.5, `CPU per garbage datagram ${(usage.cpuMs / n).toFixed(3)} ms (was ~1.5 ms)`);
  assert.ok(newLines.length <= 1, newLines.join("\n"));
  assert.ok(a.proc.running, "A still runs");
});

test("an unnamed socket's datagrams are ignored (nothing can be answered to it) and counted", async () => {
  const r = await lab.exec("A", "python3", [ABUSE, "anon", sock(), "4343"]);
  assert.match(r.stdout, /anon no-reply/);
  // The port is still free for a named client.
  const c = lab.spawn("A", "python3", [ABUSE, "stuck", sock(), "4343"]);
  await c.waitFor(/bound 4343/, { stream: "stdout" });
  await c.kill("SIGKILL");
  await mesh.stop("A");
  assert.match(a.proc.stderr, /unnamed senders ignored [1-9]/);
  a = await mesh.launch("A", a.sid);
});

test.run();
