// Lab self-test: cleanup leaves nothing behind, also when the test process is
// killed, terminated or crashes; the sweeper only removes namespaces of dead runs.
import { spawn, spawnSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Lab, pidAlive as alive, sweepStale } from "../lab/index";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const namespaces = () => spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout.split("\n").map((l) => l.split(" ")[0]!).filter(Boolean);
async function waitDead(pids: number[], ms: number): Promise<number[]> {
  const end = Date.now() + ms;
  while (pids.some(alive) && Date.now() < end) await sleep(20);
  return pids.filter(alive);
}

interface ChildInfo { prefix: string; spawned: number; daemon: number; all: number[] }

/** A lab with a delayed link, a spawned process and a daemon (setsid, not our child), as a test would build. */
async function buildLab(family?: string): Promise<{ lab: Lab; info: ChildInfo }> {
  const lab = await Lab.create({ family });
  await lab.line(["x", "y"], { delayMs: 5, loss: 0.01 });
  const p = lab.spawn("x", "sleep", ["300"]);
  await lab.exec("y", "sh", ["-c", "setsid sleep 301 </dev/null >/dev/null 2>&1 &"]);
  let all: number[] = [];
  for (let i = 0; i < 50; i++) {
    all = ["x", "y"].flatMap((n) => spawnSync("ip", ["netns", "pids", lab.ns(n)], { encoding: "utf8" }).stdout.split(/\s+/).filter(Boolean).map(Number));
    if (all.length >= 4) break; // sleep, daemon, two delay helpers
    await sleep(20);
  }
  const daemon = all.find((pid) => spawnSync("cat", [`/proc/${pid}/cmdline`], { encoding: "utf8" }).stdout.includes("301"));
  return { lab, info: { prefix: lab.prefix, spawned: p.pid, daemon: daemon ?? -1, all } };
}

// Child mode: the same bundle, started by the tests below, builds a lab and then dies in the way asked.
const mode = process.env.LAB_CLEANUP_CHILD;
if (mode) {
  const { info } = await buildLab(process.env.LAB_CLEANUP_FAMILY);
  console.log(JSON.stringify(info));
  if (mode === "throw") setTimeout(() => { throw new Error("crash on purpose"); }, 50);
  else setInterval(() => undefined, 1000); // wait to be killed
} else {
  function startChild(m: string, family = "svlab"): Promise<{ info: ChildInfo; child: ReturnType<typeof spawn> }> {
    const child = spawn(process.execPath, [process.argv[1]!], { env: { ...process.env, LAB_CLEANUP_CHILD: m, LAB_CLEANUP_FAMILY: family }, stdio: ["ignore", "pipe", "pipe"] });
    return new Promise((res, rej) => {
      let out = "";
      child.stdout!.on("data", (d) => {
        out += d;
        const line = out.split("\n").find((l) => l.startsWith("{"));
        if (line) res({ info: JSON.parse(line) as ChildInfo, child });
      });
      child.on("close", (code) => rej(new Error(`child ${m} exited ${code} early: ${out}`)));
    });
  }
  const exitOf = (child: ReturnType<typeof spawn>) => new Promise<{ code: number | null; signal: string | null }>((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r({ code: child.exitCode, signal: child.signalCode });
    else child.on("close", (code, signal) => r({ code, signal }));
  });
  const ours = (prefix: string) => namespaces().filter((n) => n.startsWith(`${prefix}-`));

  test("cleanup(): namespaces deleted, spawned processes, daemons and delay helpers all ended", async () => {
    const { lab, info } = await buildLab();
    assert.equal(ours(info.prefix).sort(), [`${info.prefix}-x`, `${info.prefix}-y`]);
    assert.ok(info.daemon > 0 && info.all.length >= 4, JSON.stringify(info));
    await lab.cleanup();
    assert.equal(ours(info.prefix), []);
    assert.equal(await waitDead(info.all, 3000), []);
    await lab.cleanup(); // idempotent
  });

  test("a SIGKILLed run: its children die with it (parent-death signal), the next Lab.create sweeps the rest (any family)", async () => {
    const { info, child } = await startChild("kill", "svlabk");
    assert.match(info.prefix, /^svlabk-\d+-/);
    child.kill("SIGKILL");
    await exitOf(child);
    // Processes it spawned and its delay helpers get SIGTERM from the kernel...
    assert.equal(await waitDead(info.all.filter((p) => p !== info.daemon), 3000), []);
    // ...but its namespaces and a daemon that left the process tree remain until swept.
    assert.is(ours(info.prefix).length, 2);
    assert.ok(alive(info.daemon));
    const lab = await Lab.create(); // sweeps by default: family "svlab" by name, and every family the lab marked in /run/serval-lab
    assert.equal(ours(info.prefix), []);
    assert.equal(await waitDead([info.daemon], 3000), []);
    await lab.cleanup();
  });

  test("SIGTERM to a test process: exit handlers clean up, then it dies of the signal", async () => {
    const { info, child } = await startChild("term");
    child.kill("SIGTERM");
    const st = await exitOf(child);
    assert.is(st.signal, "SIGTERM");
    assert.equal(ours(info.prefix), []);
    assert.equal(await waitDead(info.all, 3000), []);
  });

  test("an uncaught exception in a test process: the exit handler cleans up", async () => {
    const { info, child } = await startChild("throw");
    const st = await exitOf(child);
    assert.is(st.code, 1);
    assert.equal(ours(info.prefix), []);
    assert.equal(await waitDead(info.all, 3000), []);
  });

  test("the sweeper leaves alone namespaces of live runs, of other families and of other shapes", async () => {
    const dead = spawnSync("true").pid!; // a pid that has just exited
    const keep = [`svlab-${process.ppid}-ab12-x`, `svlabz-${dead}-ab12-x`, `svlab-${dead}-ab12`, `xsvlab-${dead}-ab12-x`];
    const gone = `svlab-${dead}-ab12-x`;
    for (const n of [...keep, gone]) spawnSync("ip", ["netns", "add", n]);
    try {
      const swept = await sweepStale();
      assert.ok(swept.includes(gone));
      const now = namespaces();
      for (const n of keep) assert.ok(now.includes(n), `${n} was removed`);
      assert.not.ok(now.includes(gone));
    } finally {
      for (const n of [...keep, gone]) spawnSync("ip", ["netns", "del", n]);
    }
  });

  test.run();
}
