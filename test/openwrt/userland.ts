// The real-userland suites (test/unit/openwrt-userland-*.test.ts): build the
// real OpenWrt userland from OPENWRT_USERLAND's sources (default: the copy in
// test/openwrt/userland/, so CI always has them; cached under
// .cache/openwrt-userland/), build two releases of the package (-r1, -r2, for
// the upgrade), run one scenario in a throw-away root (test/openwrt/userland/
// run.sh) and register one uvu test per check the scenario script names.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

const repo = resolve(process.env.SERVAL_REPO ?? process.cwd());
const sources = resolve(repo, process.env.OPENWRT_USERLAND ?? "test/openwrt/userland");
const cache = join(repo, ".cache/openwrt-userland");

function sh(what: string, cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: repo, stdio: ["ignore", "inherit", "inherit"], env: process.env });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status})`);
}

/** Runs `scenario` (ipk | apk) and registers its checks as tests. */
export async function userlandSuite(scenario: "ipk" | "apk"): Promise<void> {
  const tarballs = existsSync(sources) ? readdirSync(sources).filter((f) => f.endsWith(".tar.gz")) : [];
  if (tarballs.length === 0) {
    console.log(`SKIPPED: no OpenWrt userland sources in ${sources} (OPENWRT_USERLAND): the ${scenario} suite needs them`);
    test(`real OpenWrt userland (${scenario}): sources present`, () => {
      assert.unreachable(`no NAME-COMMIT.tar.gz in ${sources}`);
    });
    test.run();
    return;
  }
  if (process.getuid?.() !== 0) {
    test(`real OpenWrt userland (${scenario}): root`, () => {
      assert.unreachable("needs root (unshare, mount, chroot)");
    });
    test.run();
    return;
  }

  const t0 = Date.now();
  mkdirSync(cache, { recursive: true });
  // One build at a time when several suites start together.
  sh("openwrt/build-userland.sh root", "flock", [join(cache, ".lock"), "bash", "openwrt/build-userland.sh", "root"]);
  const out = join(repo, "out/test/openwrt-userland", scenario);
  rmSync(out, { recursive: true, force: true });
  const files: string[] = [];
  sh("make cross (x86_64)", "make", ["-s", "--no-print-directory", "cross", "CROSS=x86_64"]);
  // -r2 carries a different binary (the same one with a marker appended), as
  // a real upgrade does: the upgrade must leave the new one running.
  const bin2 = join(out, "servald-r2");
  mkdirSync(out, { recursive: true });
  copyFileSync(join(repo, "out/cross/x86_64/servald"), bin2);
  appendFileSync(bin2, "\nserval-mesh r2\n");
  for (const rel of ["1", "2"]) {
    const dir = join(out, `r${rel}`);
    const bin = rel === "2" ? [`OWRT_BIN=${bin2}`] : [];
    sh(`make ${scenario} (r${rel})`, "make", ["-s", "--no-print-directory", scenario, "ARCH=x86_64", `OWRT_RELEASE=${rel}`, `OWRT_OUT=${dir}`, ...bin]);
    files.push(...readdirSync(dir).map((f) => join(dir, f)));
  }
  if (scenario === "apk") {
    // The image's libc package, which every SDK-built package depends on.
    const empty = join(out, "libc-empty");
    mkdirSync(empty, { recursive: true });
    const libc = join(out, "libc-1.2.5-r4.apk");
    sh("apk mkpkg (libc stand-in)", join(cache, "bin/apk"), [
      "mkpkg", "--info", "name:libc", "--info", "version:1.2.5-r4", "--info", "arch:x86_64",
      "--info", "description:stand-in for the image's libc", "--files", empty, "--output", libc,
    ]);
    files.push(libc);
  }
  console.log(`# built in ${((Date.now() - t0) / 1000).toFixed(0)} s; running test/openwrt/userland/${scenario}.sh`);

  // The transcript goes to stdout as it comes (the step-by-step record).
  const transcript = await new Promise<string>((done, fail) => {
    const p = spawn("bash", [join(repo, "test/openwrt/userland/run.sh"), scenario, ...files], {
      cwd: repo,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let text = "";
    const take = (b: Buffer): void => {
      const s = b.toString();
      text += s;
      process.stdout.write(s);
    };
    p.stdout.on("data", take);
    p.stderr.on("data", take);
    p.on("error", fail);
    p.on("close", () => done(text));
  });
  console.log(`# ${scenario} suite: ${((Date.now() - t0) / 1000).toFixed(0)} s in all`);

  const results = new Map<string, string>();
  for (const m of transcript.matchAll(/^RESULT (\S+) (PASS|FAIL.*)$/gm)) results.set(m[1], m[2]);
  // Every check the scenario names must have reported (none skipped by a crash).
  // (lib.sh's shared checks are run by both scenarios.)
  const script = ["lib", scenario].map((f) => readFileSync(join(repo, `test/openwrt/userland/${f}.sh`), "utf8")).join("\n");
  const named = [...script.matchAll(/^\s*(?:check|res) ([a-z0-9.-]+) /gm)].map((m) => m[1]);
  named.push(...[...script.matchAll(/res ([a-z0-9.-]+) [01]/g)].map((m) => m[1]));
  const expected = [...new Set(named)];
  assert.ok(expected.length > 20, `scenario ${scenario}.sh names its checks`);

  test(`${scenario}: scenario ran to the end`, () => {
    assert.ok(/^DONE$/m.test(transcript), "the scenario stopped early (see the transcript above)");
  });
  for (const name of expected) {
    test(`${scenario}: ${name}`, () => {
      const r = results.get(name);
      assert.ok(r !== undefined, `no RESULT line for ${name}`);
      assert.is(r, "PASS", `${name}: ${r}`);
    });
  }
  test.run();
}
