// `make ipk ARCH=...` (mk/openwrt.mk + openwrt/mkipk.sh): for every OpenWrt
// architecture, the ipk's outer members and their order, control fields,
// conffiles, maintainer scripts, file modes/owners/mtimes, reproducibility, and
// that the extracted tree is exactly the file list the Makefile declares.
// A stand-in file is packaged as the binary so this runs without compilers;
// test/unit/openwrt-cross.test.ts packages the real cross-built ones.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";

const repo = resolve(process.env.SERVAL_REPO ?? process.cwd());
const ARCHES = ["x86_64", "mipsel_24kc", "mips_24kc", "arm_cortex-a7_neon-vfpv4"];
const EPOCH = 1764000000;
const version = (JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string }).version + "-r1";

execFileSync("sh", [join(repo, "test/openwrt/ensure-tools.sh"), "init", "ipk"], { stdio: "inherit" });

// Buffer and Uint8Array disagree in this @types/node + TypeScript pairing, so
// bytes are handled as plain Uint8Array views.
const u8 = (b: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }): Uint8Array =>
  new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
const readBytes = (p: string): Uint8Array => u8(readFileSync(p));

interface Entry {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  type: string;
  data: Uint8Array;
}

// Minimal ustar/GNU tar reader: enough to check what opkg will see.
function untar(buf: Uint8Array): Entry[] {
  const out: Entry[] = [];
  const str = (o: number, n: number): string =>
    String.fromCharCode(...buf.subarray(o, o + n)).replace(/\0.*$/s, "");
  const oct = (o: number, n: number): number => parseInt(str(o, n).trim() || "0", 8);
  let off = 0;
  while (off + 512 <= buf.length) {
    if (buf.subarray(off, off + 512).every((b) => b === 0)) break;
    const size = oct(off + 124, 12);
    const type = str(off + 156, 1) || "0";
    assert.ok(type === "0" || type === "5", `plain files and directories only, got type ${type}`);
    const prefix = str(off + 345, 155);
    const name = prefix ? `${prefix}/${str(off, 100)}` : str(off, 100);
    out.push({
      name,
      mode: oct(off + 100, 8),
      uid: oct(off + 108, 8),
      gid: oct(off + 116, 8),
      mtime: oct(off + 136, 12),
      type,
      data: buf.subarray(off + 512, off + 512 + size),
    });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

function gz(buf: Uint8Array, what: string): Uint8Array {
  assert.is(buf[0], 0x1f, `${what} is gzip`);
  assert.is(buf[1], 0x8b, `${what} is gzip`);
  assert.equal([...buf.subarray(4, 8)], [0, 0, 0, 0], `${what}: no timestamp in the gzip header (gzip -n)`);
  return u8(gunzipSync(buf));
}

const scratch = mkdtempSync(join(tmpdir(), "h7-ipk-"));
const stub = join(scratch, "servald-stub");
writeFileSync(stub, Uint8Array.from({ length: 70000 }, (_, i) => (i * 7919) & 0xff));

function buildIpk(arch: string, outDir: string): Uint8Array {
  const r = spawnSync(
    "make",
    ["-s", "--no-print-directory", "ipk", `ARCH=${arch}`, `OWRT_BIN=${stub}`, `OWRT_OUT=${outDir}`, `SOURCE_DATE_EPOCH=${EPOCH}`],
    { cwd: repo, encoding: "utf8" },
  );
  assert.is(r.status, 0, r.stdout + r.stderr);
  return readBytes(join(outDir, `serval-mesh_${version}_${arch}.ipk`));
}

function declaredFiles(): Array<{ dest: string; mode: number; src: string }> {
  const out = execFileSync("make", ["-s", "--no-print-directory", "openwrt-print-files", `OWRT_BIN=${stub}`], {
    cwd: repo,
    encoding: "utf8",
  });
  return out
    .trim()
    .split("\n")
    .map((l) => {
      const [dest, mode, src] = l.split(" ");
      return { dest, mode: parseInt(mode, 8), src: resolve(repo, src) };
    });
}

function controlFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last = "";
  for (const l of text.replace(/\n$/, "").split("\n")) {
    if (l.startsWith(" ")) {
      fields.set(last, `${fields.get(last)}\n${l}`);
    } else {
      const m = /^([A-Za-z-]+): (.*)$/.exec(l);
      assert.ok(m, `control line '${l}'`);
      if (!m) continue;
      assert.not.ok(fields.has(m[1]), `field ${m[1]} appears once`);
      fields.set(m[1], m[2]);
      last = m[1];
    }
  }
  return fields;
}

for (const arch of ARCHES) {
  test(`ipk for ${arch}: members, control, conffiles, scripts, modes, exact tree`, () => {
    const ipk = buildIpk(arch, join(scratch, "a"));
    const outer = untar(gz(ipk, "ipk"));
    assert.equal(
      outer.map((e) => e.name),
      ["./debian-binary", "./control.tar.gz", "./data.tar.gz"],
    );
    for (const e of outer) {
      assert.equal([e.type, e.uid, e.gid, e.mtime], ["0", 0, 0, EPOCH], e.name);
    }
    assert.is(text(outer[0].data), "2.0\n");

    const control = untar(gz(outer[1].data, "control.tar.gz"));
    assert.equal(
      control.map((e) => [e.name, e.mode, e.uid, e.gid, e.mtime]),
      [
        ["./", 0o755, 0, 0, EPOCH],
        ["./conffiles", 0o644, 0, 0, EPOCH],
        ["./control", 0o644, 0, 0, EPOCH],
        ["./postinst", 0o755, 0, 0, EPOCH],
        ["./prerm", 0o755, 0, 0, EPOCH],
      ],
    );
    const file = (n: string): string => text(control.find((e) => e.name === n)?.data ?? new Uint8Array(0));
    assert.is(file("./conffiles"), "/etc/config/serval\n");

    const dataTar = gz(outer[2].data, "data.tar.gz");
    const f = controlFields(file("./control"));
    assert.equal(
      [...f.keys()],
      ["Package", "Version", "Depends", "Conflicts", "Provides", "Source", "SourceName", "License", "Section",
        "Maintainer", "Architecture", "Installed-Size", "Description"],
    );
    assert.is(f.get("Package"), "serval-mesh");
    assert.is(f.get("Version"), version);
    assert.is(f.get("Architecture"), arch);
    assert.is(f.get("Depends"), "libc");
    assert.is(f.get("Conflicts"), "serval-dna");
    assert.is(f.get("Provides"), "servald");
    assert.is(f.get("License"), "GPL-2.0-or-later");
    assert.is(f.get("Section"), "net");
    // OpenWrt's ipkg-build: bytes of the uncompressed data archive
    assert.is(f.get("Installed-Size"), String(dataTar.length));
    assert.ok((f.get("Description") ?? "").split("\n").length >= 2, "summary line plus indented body");

    // The maintainer scripts hand over to OpenWrt's default_postinst/prerm.
    const root = join(scratch, `root-${arch}`);
    mkdirSync(join(root, "lib"), { recursive: true });
    writeFileSync(
      join(root, "lib/functions.sh"),
      'default_postinst() { echo "default_postinst $*"; }\ndefault_prerm() { echo "default_prerm $*"; }\n',
    );
    for (const script of ["postinst", "prerm"]) {
      const path = join(scratch, `${arch}.${script}`);
      writeFileSync(path, file(`./${script}`));
      assert.is(file(`./${script}`).split("\n")[0], "#!/bin/sh");
      const r = spawnSync("busybox", ["ash", path, "configure"], { env: { IPKG_INSTROOT: root, PATH: process.env.PATH }, encoding: "utf8" });
      assert.is(r.status, 0, r.stderr);
      assert.is(r.stdout, `default_${script} ${path} configure\n`);
    }

    // data.tar.gz: directories 0755, files as declared, all root-owned, same mtime.
    const data = untar(dataTar);
    for (const e of data) assert.equal([e.uid, e.gid, e.mtime], [0, 0, EPOCH], e.name);
    const declared = declaredFiles();
    const dirs = new Set<string>(["./"]);
    for (const d of declared) {
      const parts = d.dest.split("/").slice(1, -1);
      for (let i = 1; i <= parts.length; i++) dirs.add(`./${parts.slice(0, i).join("/")}/`);
    }
    assert.equal(
      data.filter((e) => e.type === "5").map((e) => [e.name, e.mode]),
      [...dirs].sort().map((d) => [d, 0o755]),
    );
    const files = data.filter((e) => e.type === "0");
    assert.equal(
      files.map((e) => [e.name, e.mode]).sort(),
      declared.map((d) => [`.${d.dest}`, d.mode]).sort(),
    );
    for (const d of declared) {
      const e = files.find((x) => x.name === `.${d.dest}`);
      assert.ok(e && same(e.data, readBytes(d.src)), `${d.dest} content is ${d.src}`);
    }

    // Unpacked by tar as opkg does, the scratch root holds exactly that tree.
    const unpack = join(scratch, `unpack-${arch}`);
    mkdirSync(unpack);
    execFileSync("sh", ["-c", `tar -xzf - -O ./data.tar.gz | tar -xzf - -C '${unpack}'`], { input: ipk });
    const listed = execFileSync("find", [".", "-type", "f", "-printf", "/%P %m\n"], { cwd: unpack, encoding: "utf8" });
    assert.equal(
      listed.trim().split("\n").sort(),
      declared.map((d) => `${d.dest} ${d.mode.toString(8)}`).sort(),
    );

    // Reproducible: a second build gives the same bytes.
    assert.ok(same(buildIpk(arch, join(scratch, "b")), ipk), "same inputs, same ipk");
  });
}

test("unknown ARCH is refused", () => {
  const r = spawnSync("make", ["-s", "ipk", "ARCH=mips64", `OWRT_BIN=${stub}`, `OWRT_OUT=${join(scratch, "c")}`], {
    cwd: repo,
    encoding: "utf8",
  });
  assert.is.not(r.status, 0);
  assert.match(r.stderr, "unknown ARCH 'mips64'");
});

test("packers pass shellcheck and shfmt -sr -s", () => {
  const files = ["openwrt/mkipk.sh", "openwrt/mkapk.sh", "openwrt/pkgfiles.sh"];
  const sc = spawnSync("shellcheck", ["-x", ...files], { encoding: "utf8", cwd: repo });
  assert.is(sc.status, 0, sc.stdout);
  const fmt = spawnSync("shfmt", ["-sr", "-s", "-d", ...files], { encoding: "utf8", cwd: repo });
  assert.is(fmt.status, 0, fmt.stdout);
});

test.after(() => rmSync(scratch, { recursive: true, force: true }));

test.run();
