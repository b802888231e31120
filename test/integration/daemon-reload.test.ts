// SIGHUP in the real daemon: the lifecycle re-reads the configuration first,
// then the mesh (registered through the services context's onReload, not a
// signal handler of its own) rescans its interfaces, once per SIGHUP.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = process.env.SERVAL_REPO ?? resolve(new URL("../..", import.meta.url).pathname);
const SERVALD = resolve(root, "out/servald");
const inst = mkdtempSync(join(tmpdir(), "svh12-reload-"));
const env = { ...process.env, SERVALINSTANCE_PATH: inst };

test.after(() => rmSync(inst, { recursive: true, force: true }));

test("SIGHUP: config re-read, then one mesh rescan per signal; the new config is used", async () => {
  writeFileSync(join(inst, "serval.conf"), "log.console.level=info\n");
  const child = spawn(SERVALD, ["start", "foreground"], { env, stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => { err += d; });
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  const until = async (re: RegExp) => {
    for (let i = 0; i < 200 && !re.test(err); i++) await new Promise((r) => setTimeout(r, 25));
    assert.match(err, re);
  };
  try {
    await until(/servald started/);
    child.kill("SIGHUP");
    await until(/config reloaded: rescanning interfaces/);
    // the mesh's reload must see the re-read config (level warn)
    writeFileSync(join(inst, "serval.conf"), "log.console.level=warn\n");
    child.kill("SIGHUP");
    await new Promise((r) => setTimeout(r, 300));
    child.kill("SIGTERM");
    assert.is(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
  const lines = err.split("\n");
  const hups = lines.flatMap((l, i) => (l === "INFO: SIGHUP: re-reading configuration" ? [i] : []));
  const rescans = lines.flatMap((l, i) => (l === "INFO: config reloaded: rescanning interfaces" ? [i] : []));
  assert.is(hups.length, 2, err);
  // one rescan for the first SIGHUP, after the re-read; the second SIGHUP's
  // rescan ran after the re-read set level warn, so its INFO line is gone
  assert.equal(rescans.length, 1, err);
  assert.ok(hups[0] < rescans[0] && rescans[0] < hups[1], err);
  assert.not.match(lines.slice(hups[1] + 1).join("\n"), /^INFO: /m);
});

test.run();
