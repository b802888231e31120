// `make apk ARCH=...` (mk/openwrt.mk + openwrt/mkapk.sh, packed by apk-tools'
// own `apk mkpkg` built from test/openwrt/userland/): for every OpenWrt
// architecture, the package's info (name, version valid for apk, arch,
// depends, provides), the maintainer scripts OpenWrt's package-pack.mk
// writes, the tree apk extracts (exactly the Makefile's file list plus
// lib/apk/packages/serval-mesh.{list,conffiles,conffiles_static}) with modes,
// contents and mtimes, and reproducibility; and the one-line error without
// apk-tools' source. A stand-in file is packaged as the binary (no compilers);
// openwrt-userland-apk.test.ts installs the real x86_64 one with real apk.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const repo = resolve(process.env.SERVAL_REPO ?? process.cwd());
const ARCHES = ["x86_64", "mipsel_24kc", "mips_24kc", "arm_cortex-a7_neon-vfpv4"];
const EPOCH = 1764000000;
const version = (JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string }).version + "-r1";
const cache = join(repo, ".cache/openwrt-userland");
const apk = join(cache, "bin/apk");

// apk-tools from the repository's sources (cached; one build at a time).
mkdirSync(cache, { recursive: true });
execFileSync("flock", [join(cache, ".lock"), "bash", "openwrt/build-userland.sh", "apk"], { cwd: repo, stdio: "inherit" });

const scratch = mkdtempSync(join(tmpdir(), "serval-apk-"));
const stub = join(scratch, "servald-stub");
writeFileSync(stub, Uint8Array.from({ length: 70000 }, (_, i) => (i * 7919) & 0xff));
const sha256 = (p: string): string => execFileSync("sha256sum", [p], { encoding: "utf8" }).split(" ")[0];

function buildApk(arch: string, outDir: string): string {
  const r = spawnSync(
    "make",
    ["-s", "--no-print-directory", "apk", `ARCH=${arch}`, `OWRT_BIN=${stub}`, `OWRT_OUT=${outDir}`, `SOURCE_DATE_EPOCH=${EPOCH}`],
    { cwd: repo, encoding: "utf8" },
  );
  assert.is(r.status, 0, r.stdout + r.stderr);
  return join(outDir, `serval-mesh-${version}_${arch}.apk`);
}

const declared = execFileSync("make", ["-s", "--no-print-directory", "openwrt-print-files", `OWRT_BIN=${stub}`], {
  cwd: repo,
  encoding: "utf8",
})
  .trim()
  .split("\n")
  .map((l) => {
    const [dest, mode, src] = l.split(" ");
    return { dest, mode: parseInt(mode, 8), src: resolve(repo, src) };
  });

function files(dir: string, base = ""): string[] {
  return readdirSync(join(dir, base), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(dir, `${base}/${e.name}`) : [`${base}/${e.name}`],
  );
}

for (const arch of ARCHES) {
  test(`apk for ${arch}: info, scripts, exact tree, modes, mtimes, reproducible`, () => {
    const pkg = buildApk(arch, join(scratch, "a"));
    const dump = execFileSync(apk, ["adbdump", pkg], { encoding: "utf8" });
    for (const line of [
      "  name: serval-mesh",
      `  version: ${version}`,
      `  arch: ${arch}`,
      "  license: GPL-2.0-or-later",
      "    - libc",
      "    - servald",
    ]) {
      assert.ok(dump.split("\n").includes(line), `adbdump has '${line}'`);
    }
    assert.match(dump, /depends: # 1 items\n {4}- libc\n/);
    assert.match(dump, /provides: # 1 items\n {4}- servald\n/);
    const script = (name: string): string => {
      const m = new RegExp(`\\n  ${name}: \\|\\n((?: {4}.*\\n)+)`).exec(dump);
      assert.ok(m, `script ${name}`);
      return m[1].replace(/^ {4}/gm, "");
    };
    const prologue =
      '#!/bin/sh\n[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0\n. ${IPKG_INSTROOT}/lib/functions.sh\n' +
      'export root="${IPKG_INSTROOT}"\nexport pkgname="serval-mesh"\n';
    const post = prologue.replace("#!/bin/sh\n", '#!/bin/sh\n[ "${IPKG_NO_SCRIPT}" = "1" ] && exit 0\n');
    assert.is(script("post-install"), post + "add_group_and_user\ndefault_postinst\n");
    assert.is(script("post-upgrade"), post.replace("#!/bin/sh\n", "#!/bin/sh\nexport PKG_UPGRADE=1\n") + "add_group_and_user\ndefault_postinst\n");
    assert.is(script("pre-deinstall"), prologue + "default_prerm\n");
    for (const m of dump.matchAll(/mtime: (\d+)/g)) assert.is(Number(m[1]), EPOCH, "every mtime is SOURCE_DATE_EPOCH");

    // What apk installs: the declared files and apk's own metadata.
    const root = join(scratch, `x-${arch}`);
    mkdirSync(root);
    execFileSync(apk, ["extract", "--allow-untrusted", "--destination", root, pkg], { stdio: "ignore" });
    const meta = ["conffiles", "conffiles_static", "list"].map((e) => `/lib/apk/packages/serval-mesh.${e}`);
    assert.equal(files(root).sort(), [...declared.map((f) => f.dest), ...meta].sort());
    for (const f of declared) {
      assert.is(statSync(join(root, f.dest)).mode & 0o7777, f.mode, `${f.dest} mode`);
      assert.is(sha256(join(root, f.dest)), sha256(f.src), `${f.dest} content`);
    }
    const pk = (e: string): string => readFileSync(join(root, `lib/apk/packages/serval-mesh.${e}`), "utf8");
    assert.is(pk("list"), declared.map((f) => f.dest).sort().join("\n") + "\n");
    assert.is(pk("conffiles"), "/etc/config/serval\n");
    assert.is(pk("conffiles_static"), `/etc/config/serval ${sha256(join(repo, "openwrt/files/serval.config"))}\n`);

    const again = buildApk(arch, join(scratch, "b"));
    assert.is(sha256(again), sha256(pkg), "same inputs, same apk");
  });
}

test("apk refuses the old ipk version string 0.1.0-1 and takes ours", () => {
  const mk = (v: string) =>
    spawnSync(apk, ["mkpkg", "--info", "name:x", "--info", `version:${v}`, "--files", join(scratch, "e"), "--output", join(scratch, "v.apk")], {
      encoding: "utf8",
    });
  mkdirSync(join(scratch, "e"), { recursive: true });
  const bad = mk("0.1.0-1");
  assert.is.not(bad.status, 0);
  assert.match(bad.stderr, "package version is invalid");
  const good = mk(version);
  assert.is(good.status, 0, good.stderr);
});

test("without apk-tools' source, make apk stops with one line saying what it needs", () => {
  const r = spawnSync(
    "make",
    ["-s", "apk", `OWRT_BIN=${stub}`, `OWRT_OUT=${join(scratch, "c")}`, "OPENWRT_USERLAND=/nonexistent", `OWRT_APK_TOOL=${join(scratch, "no-apk")}`],
    { cwd: repo, encoding: "utf8" },
  );
  assert.is.not(r.status, 0);
  const lines = r.stderr.split("\n").filter((l) => l && !l.startsWith("make"));
  assert.equal(lines, ["apk: needs apk-tools' source to build 'apk mkpkg': apk-tools-<commit>.tar.gz in OPENWRT_USERLAND=/nonexistent"]);
});

test("unknown ARCH is refused", () => {
  const r = spawnSync("make", ["-s", "apk", "ARCH=mips64", `OWRT_BIN=${stub}`, `OWRT_OUT=${join(scratch, "d")}`], {
    cwd: repo,
    encoding: "utf8",
  });
  assert.is.not(r.status, 0);
  assert.match(r.stderr, "unknown ARCH 'mips64'");
});

test.after(() => rmSync(scratch, { recursive: true, force: true }));

test.run();
