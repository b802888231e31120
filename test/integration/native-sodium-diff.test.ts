// Differential test of our C crypto primitives (src/native/crypto.h) against
// libsodium 1.0.18 (Debian's libsodium-dev, installed by `make deps`,
// mk/crypto-test.mk; never linked into servald): test/native/sodium-diff.c
// runs thousands of random and edge-case inputs through both for secretbox /
// open, box_beforenm, SHA-512, X25519 (every small-order point), Ed25519
// keypair / sign / verify (tampering, S + L, small-order and non-canonical
// keys and R, a crafted R = identity) and Ed25519 -> X25519, comparing the
// verdicts and the bytes. The primitives are compiled with the flags of the
// builds that ship (-Os) and of the host build (-O2).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { randomInt } from "node:crypto";

const root = process.env.SERVAL_REPO ?? resolve(new URL("../..", import.meta.url).pathname);
const outDir = resolve(root, "out/test/native-sodium-diff");
mkdirSync(outDir, { recursive: true });
const PRIMS = ["salsa20", "poly1305", "sha512", "fe25519", "x25519", "ed25519"].map((f) => resolve(root, `src/native/${f}.c`));

function build(opt: string): string {
  const bin = join(outDir, `sodium-diff${opt}`);
  const r = spawnSync("cc", [opt, "-Wall", "-Wextra", `-I${resolve(root, "src/native")}`, "-o", bin,
    resolve(root, "test/native/sodium-diff.c"), ...PRIMS, "-lsodium"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cc sodium-diff.c -lsodium (libsodium-dev: make deps installs it): ${r.error ?? r.stderr}`);
  return bin;
}

for (const [opt, scale] of [["-Os", 2], ["-O2", 1]] as const) {
  test(`libsodium oracle, primitives at ${opt}: 0 mismatches`, () => {
    const bin = build(opt);
    // a new seed each run (printed, so a failure can be replayed: sodium-diff SEED SCALE)
    const seed = randomInt(1, 2 ** 31);
    const r = spawnSync(bin, [String(seed), String(scale)], { encoding: "utf8", timeout: 120_000 });
    process.stdout.write(r.stdout);
    const m = /cases (\d+) mismatches (\d+) seed (\d+)/.exec(r.stdout);
    assert.ok(m, `no summary: ${r.stderr}`);
    assert.ok(Number(m![1]) >= 9000 * scale, `only ${m![1]} cases`);
    assert.is(Number(m![2]), 0, `mismatches (replay: ${bin} ${seed} ${scale}):\n${r.stderr.slice(0, 3000)}`);
    assert.is(r.status, 0);
  });
}

test.run();
