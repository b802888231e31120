// Secrets in src/native's crypto are really cleared: a memset() of a buffer that
// is not read again is a dead store the optimiser removes, so the primitives use
// sc_wipe (explicit_bzero, crypto.h). This compiles the crypto objects with the
// flags of the builds that ship (host -O2, OpenWrt x86_64 -Os, mipsel MIPS16e
// -Os) and reads the object code (objdump -dr): every sc_wipe in the source is
// still a call to explicit_bzero, and each function that holds a secret makes
// one. A control compile shows the old memset pattern really disappears.
// Also: SHA-512's block function calls no memmove (see sha512.c).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = process.env.SERVAL_REPO ?? resolve(new URL("../..", import.meta.url).pathname);
const src = resolve(root, "src/native");
const outDir = resolve(root, "out/test/native-crypto-wipe");
mkdirSync(outDir, { recursive: true });

interface Target { name: string; cc: string; objdump: string; flags: string[] }
// the flags of Makefile (host) and mk/cross.mk (x86_64, mipsel)
const SECTIONS = ["-ffunction-sections", "-fdata-sections", "-fno-pie"];
const TARGETS: Target[] = [
  { name: "host -O2", cc: "cc", objdump: "objdump", flags: ["-O2"] },
  { name: "x86_64 -Os", cc: "cc", objdump: "objdump", flags: ["-Os", ...SECTIONS] },
  { name: "mipsel MIPS16e -Os", cc: "mipsel-linux-gnu-gcc", objdump: "mipsel-linux-gnu-objdump",
    flags: ["-Os", ...SECTIONS, "-mno-shared", "-mips16", "-minterlink-mips16"] },
];

// functions that hold a secret and must clear it before returning
const MUST_WIPE: Record<string, string[]> = {
  salsa20: ["sc_hsalsa20", "sc_secretbox", "sc_secretbox_open"],
  poly1305: ["sc_poly1305"],
  sha512: ["sc_sha512_final"],
  fe25519: ["fe_invert", "fe_pow_p58"],
  x25519: ["sc_x25519", "sc_box_beforenm"],
  ed25519: ["sc_ed25519_seed_keypair", "sc_ed25519_sign"],
  "crypto-js": ["js_dh", "js_sign_seed_keypair"],
};

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(-3).join(" ")}: ${r.error ?? r.stderr} (make deps installs the cross compilers)`);
  return r.stdout;
}

interface Calls { wipe: number; memset: number; memmove: number; insns: string[] }

/** explicit_bzero / memset calls and instructions per function (clones such as
 * f.part.0 count as f; a MIPS16 constant pool __pool_f_N as the code before it). */
function callsPerFunction(objdump: string, obj: string): Map<string, Calls> {
  const out = new Map<string, Calls>();
  let cur: Calls | undefined;
  for (const line of run(objdump, ["-dr", "--no-show-raw-insn", obj]).split("\n")) {
    const fn = /^[0-9a-f]+ <([^>]+)>:$/.exec(line);
    if (fn) {
      if (fn[1]!.startsWith("__pool_")) continue;
      const name = fn[1]!.replace(/\..*$/, "");
      cur = out.get(name) ?? { wipe: 0, memset: 0, memmove: 0, insns: [] };
      out.set(name, cur);
      continue;
    }
    if (!cur) continue;
    if (/\sR_\S+\s+explicit_bzero\b/.test(line)) cur.wipe++;
    else if (/\sR_\S+\s+memset\b/.test(line)) cur.memset++;
    else if (/\sR_\S+\s+memmove\b/.test(line)) cur.memmove++;
    else if (/^\s+[0-9a-f]+:\s/.test(line)) cur.insns.push(line.replace(/^\s+[0-9a-f]+:\s+/, "").replace(/\s*#.*$/, "").replace(/\s*<[^>]*>/g, "")
      .replace(/([\s,])[0-9a-f]+$/, "$1@")); // branch targets are addresses
  }
  return out;
}

function compile(t: Target, file: string, obj: string, extra: string[] = []): void {
  run(t.cc, [...t.flags, ...extra, "-Wall", "-Wextra", `-I${src}`, "-I" + resolve(root, ".cache/quickjs-ng/src/quickjs-ng"), "-c", "-o", obj, file]);
}

for (const t of TARGETS) {
  test(`${t.name}: every sc_wipe survives optimisation, each function holding a secret clears it; no memmove in SHA-512's rounds`, () => {
    const missing: string[] = [];
    for (const [unit, fns] of Object.entries(MUST_WIPE)) {
      const file = join(src, `${unit}.c`);
      const obj = join(outDir, `${t.name.replace(/\W+/g, "_")}-${unit}.o`);
      compile(t, file, obj);
      const calls = callsPerFunction(t.objdump, obj);
      const inSource = (readFileSync(file, "utf8").match(/\bsc_wipe\(/g) ?? []).length;
      const inObject = [...calls.values()].reduce((n, c) => n + c.wipe, 0);
      assert.ok(inObject >= inSource, `${unit}.o: ${inObject} explicit_bzero calls for ${inSource} sc_wipe in the source`);
      // SHA-512's per-round shift of the working variables once became a
      // memmove call per round (14x slower with musl): none in the block function
      if (unit === "sha512" && (calls.get("block")?.memmove ?? 0) > 0) missing.push("sha512.o: block calls memmove");
      for (const fn of fns) {
        const c = calls.get(fn);
        if (c === undefined) missing.push(`${unit}.o: no function ${fn}`);
        else if (c.wipe === 0) missing.push(`${unit}.o: ${fn} clears nothing`);
      }
    }
    assert.equal(missing, []);
  });
}

test("control: a final memset of a local secret is removed by the optimiser (why sc_wipe exists)", () => {
  const file = join(outDir, "control.c");
  const body = `uint8_t k[32]; int i;
  for (i = 0; i < 32; i++) k[i] = key[i] ^ 0x5c;
  for (i = 0; i < 32; i++) out[i] = k[i] + k[31 - i];`;
  writeFileSync(file, `#include <string.h>
#include <stdint.h>
#include "crypto.h"
void no_clear(uint8_t out[32], const uint8_t key[32]) { ${body} }
void with_memset(uint8_t out[32], const uint8_t key[32]) { ${body} memset(k, 0, sizeof k); }
void with_wipe(uint8_t out[32], const uint8_t key[32]) { ${body} sc_wipe(k, sizeof k); }
`);
  for (const t of TARGETS) {
    const obj = join(outDir, `${t.name.replace(/\W+/g, "_")}-control.o`);
    // without identical code folding, which would otherwise merge with_memset into no_clear
    compile(t, file, obj, ["-fno-ipa-icf"]);
    const calls = callsPerFunction(t.objdump, obj);
    const none = calls.get("no_clear"), mem = calls.get("with_memset"), wipe = calls.get("with_wipe");
    // the memset leaves no trace: the same instructions as no clearing at all
    assert.ok(none && mem && wipe, t.name);
    assert.is(mem!.memset, 0, `${t.name}: memset call kept`);
    assert.equal(mem!.insns, none!.insns, `${t.name}: with_memset differs from no_clear`);
    assert.is(wipe!.wipe, 1, `${t.name}: sc_wipe is a call`);
  }
});

test.run();
