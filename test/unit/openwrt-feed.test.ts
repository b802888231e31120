// The feed Makefile (openwrt/Makefile) driven by a stand-in OpenWrt SDK
// (test/openwrt/sdk-mock: rules.mk variables for a mipsel_24kc-like target and
// a package.mk that expands Build/* recipes the way the real one does), fed
// with `make openwrt-dist`'s tarball and the pinned Debian qjs-src .deb: the
// binary builds, runs under qemu, and the install step lays out the package.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const repo = resolve(process.env.SERVAL_REPO ?? process.cwd());
const top = mkdtempSync(join(tmpdir(), "h7-sdk-"));
const feedMakefile = readFileSync(join(repo, "openwrt/Makefile"), "utf8");
const field = (name: string): string => {
  const m = new RegExp(`^\\s*${name}:=(.*)$`, "m").exec(feedMakefile);
  assert.ok(m, `${name} in openwrt/Makefile`);
  return m ? m[1].trim() : "";
};

function sh(cmd: string, args: string[], timeout = 580_000): string {
  const r = spawnSync(cmd, args, { cwd: repo, encoding: "utf8", timeout });
  assert.is(r.status, 0, `${cmd} ${args.join(" ")}: ${r.error ?? ""}\n${(r.stdout ?? "").slice(-2000)}\n${(r.stderr ?? "").slice(-3000)}`);
  return r.stdout;
}

test("feed Makefile builds servald for mipsel in a stand-in SDK and installs the package tree", () => {
  execFileSync("sh", [join(repo, "test/openwrt/ensure-tools.sh"), "cross"], { stdio: "inherit" });
  sh("sh", ["openwrt/build-musl.sh", "mipsel-linux-gnu", "sf-mips16"]);
  sh("make", ["--no-print-directory", "engine", "openwrt-dist"]);

  const version = field("PKG_VERSION");
  const qjsDeb = `qjs-src_${field("QJS_VERSION")}_all.deb`;
  const debPath = join(repo, ".cache/apt/debs", qjsDeb);
  assert.ok(existsSync(debPath), `${qjsDeb} fetched by build/fetch-quickjs.sh`);
  const sha = createHash("sha256").update(readFileSync(debPath).toString("binary"), "binary").digest("hex");
  assert.is(sha, field("HASH"), "the feed pins the same qjs-src .deb as build/qjs-src.sums");

  mkdirSync(join(top, "dl"));
  cpSync(join(repo, "test/openwrt/sdk-mock"), top, { recursive: true });
  copyFileSync(debPath, join(top, "dl", qjsDeb));
  copyFileSync(join(repo, `out/openwrt/serval-mesh-${version}.tar.gz`), join(top, "dl", `serval-mesh-${version}.tar.gz`));
  sh("make", [
    "--no-print-directory", "-C", join(repo, "openwrt"), `TOPDIR=${top}`,
    `MUSL_SPECS=${join(repo, ".cache/musl/mipsel-linux-gnu-sf-mips16/lib/musl-gcc.specs")}`,
  ]);

  const root = join(top, "root");
  const files = (dir: string, rel = ""): string[] =>
    readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(dir, join(rel, e.name)) : [`/${join(rel, e.name)} ${(statSync(join(dir, rel, e.name)).mode & 0o777).toString(8)}`],
    );
  assert.equal(files(root).sort(), ["/etc/config/serval 600", "/etc/init.d/servald 755", "/lib/upgrade/keep.d/serval-mesh 644", "/usr/sbin/servald 755"]);
  assert.is(readFileSync(join(root, "etc/init.d/servald"), "utf8"), readFileSync(join(repo, "init.d/servald"), "utf8"));
  assert.is(readFileSync(join(root, "etc/config/serval"), "utf8"), readFileSync(join(repo, "openwrt/files/serval.config"), "utf8"));
  assert.is(readFileSync(join(top, "conffiles"), "utf8"), "/etc/config/serval\n");
  assert.is(readFileSync(join(root, "lib/upgrade/keep.d/serval-mesh"), "utf8"), "/etc/serval/serval.keyring\n");
  assert.is(readFileSync(join(top, "package-fields"), "utf8"), "net\nNetwork\n+(mips||mipsel):libatomic\nserval-dna\n");

  // on the FPU-less 24Kc, as mipsel_24kc routers: the SDK toolchain is soft-float
  const out = execFileSync("qemu-mipsel-static", ["-cpu", "24Kc", join(root, "usr/sbin/servald"), "version"], { encoding: "utf8" });
  assert.match(out, new RegExp(`^servald ${version.replace(/\./g, "\\.")}\\n`));
});

test.after(() => rmSync(top, { recursive: true, force: true }));

test.run();
