// HIDDEN TEST HOOK (not a user command): `servald selftest crypto` drives the
// C shim's crypto primitives (src/native/crypto.h) for
// test/integration/native-crypto.test.ts, one request per stdin line, hex
// arguments ("." = empty), one answer line each ("-" = rejected input):
//   box KEY NONCE MSG | open KEY NONCE BOXED | seal KEY NONCE MSG (-> NONCE || box)
//   sha512 MSG | before PK SK
//   x25519 SCALAR POINT | x25519base SCALAR | keypair SEED (-> public)
//   sign SECRET64 MSG | verify PUBLIC SIG MSG (-> 1/0) | pk2x PUBLIC
//   bench OP N   -> "OP <native µs/op> <JS µs/op>" (CPU time; the JS side is
//                   tweetnacl-js, or our BigInt code for verify and pk2x;
//                   "-" when the bundle was built without tweetnacl-js);
//                   OP: box1024 open1024 sha512_1024 before sign verify keypair pk2x
// test/native/crypto-cli.c speaks the same protocol without quickjs (qemu runs).
import nacl from "tweetnacl";
import { curve25519PublicFromEd25519 } from "../crypto/ed25519-to-x25519";
import * as verifyModule from "../crypto/ed25519-verify";
import { ed25519Verify } from "../crypto/ed25519-verify";

/** The shipped bundle swaps our BigInt Ed25519 code for the shim too (build/bundle.mjs). */
const bigIntStandIn = "nativeStandIn" in verifyModule;
import { parseHex as fromHex, toHex } from "../wire/bytes";
import { nativeCrypto, nativeSignSeedKeypair, nativeX25519, nativeX25519Base } from "../platform/native-crypto";
import { print, randomBytes, utf8Decode } from "../platform/proc";
import { cpuTimeMs, readStdin } from "../platform/selftest-io";
import { registerCommand } from "./registry";

const nat = nativeCrypto();

function need<T>(v: T | undefined | null): T {
  if (v === undefined || v === null) throw new Error("native primitive missing");
  return v;
}
const box = need(nat.boxAfterNm);
const open = need(nat.boxOpenAfterNm);
const seal = need(nat.sealAfterNm);
const sha512 = need(nat.sha512);
const before = need(nat.boxBeforeNm);
const sign = need(nat.signDetached);
const verify = need(nat.verifyDetached);
const pk2x = need(nat.sidFromSignKey);

function hex(b: Uint8Array | null | undefined): string {
  if (!b) return "-";
  return b.length === 0 ? "." : toHex(b);
}

function arg(s: string | undefined): Uint8Array {
  if (s === undefined) throw new Error("missing argument");
  if (s === ".") return new Uint8Array(0);
  const b = fromHex(s);
  if (!b) throw new Error(`bad hex '${s.slice(0, 20)}'`);
  return b;
}

/** µs per call of fn, over n calls of CPU time. */
function timeUs(n: number, fn: () => void): number {
  fn();
  const t0 = cpuTimeMs();
  for (let i = 0; i < n; i++) fn();
  return ((cpuTimeMs() - t0) * 1000) / n;
}

function bench(op: string, n: number): string {
  const key = randomBytes(32), nonce = randomBytes(24), msg = randomBytes(1024);
  const seed = randomBytes(32);
  const pair = nacl.sign.keyPair.fromSeed(seed);
  const sig = nacl.sign.detached(msg.subarray(0, 64), pair.secretKey);
  const boxed = nacl.box.after(msg, nonce, key);
  const pairs: Record<string, [() => unknown, () => unknown]> = {
    box1024: [() => box(msg, nonce, key), () => nacl.box.after(msg, nonce, key)],
    open1024: [() => open(boxed, nonce, key), () => nacl.box.open.after(boxed, nonce, key)],
    sha512_1024: [() => sha512(msg), () => nacl.hash(msg)],
    before: [() => before(key, seed), () => nacl.box.before(key, seed)],
    sign: [() => sign(msg.subarray(0, 64), pair.secretKey), () => nacl.sign.detached(msg.subarray(0, 64), pair.secretKey)],
    verify: [() => verify(msg.subarray(0, 64), sig, pair.publicKey), () => ed25519Verify(msg.subarray(0, 64), sig, pair.publicKey)],
    keypair: [() => nativeSignSeedKeypair(seed), () => nacl.sign.keyPair.fromSeed(seed)],
    pk2x: [() => pk2x(pair.publicKey), () => curve25519PublicFromEd25519(pair.publicKey)],
  };
  const p = pairs[op];
  if (!p) throw new Error(`unknown bench '${op}'`);
  // the shipped bundle has no tweetnacl-js (build/bundle.mjs): no JS column
  // for the ops that would call the native stand-in
  const noJs = op === "verify" || op === "pk2x" ? bigIntStandIn : "nativeStandIn" in nacl;
  // the JS side is 10-1000x slower: fewer rounds
  const jsN = Math.max(1, Math.ceil(n / 50));
  return `${op} ${timeUs(n, p[0]).toFixed(2)} ${noJs ? "-" : timeUs(jsN, p[1]).toFixed(2)}`;
}

function answer(w: string[]): string {
  switch (w[0]) {
    case "box": return hex(box(arg(w[3]), arg(w[2]), arg(w[1])));
    case "open": return hex(open(arg(w[3]), arg(w[2]), arg(w[1])));
    case "seal": return hex(seal(arg(w[3]), arg(w[2]), arg(w[1])));
    case "sha512": return hex(sha512(arg(w[1])));
    case "before": return hex(before(arg(w[1]), arg(w[2])));
    case "x25519": return hex(nativeX25519(arg(w[1]), arg(w[2])));
    case "x25519base": return hex(nativeX25519Base(arg(w[1])));
    case "keypair": return hex(nativeSignSeedKeypair(arg(w[1])).subarray(32));
    case "sign": return hex(sign(arg(w[2]), arg(w[1])));
    case "verify": return verify(arg(w[3]), arg(w[2]), arg(w[1])) ? "1" : "0";
    case "pk2x": return hex(pk2x(arg(w[1])));
    case "bench": return bench(w[1] ?? "", Number(w[2] ?? "100"));
    default: throw new Error(`bad request '${w[0]}'`);
  }
}

registerCommand({
  words: ["selftest", "crypto"],
  usage: "selftest crypto  (requests on stdin)",
  summary: "test hook: the native crypto primitives",
  hidden: true,
  maxArgs: 0,
  run() {
    const lines = utf8Decode(readStdin()).split("\n");
    const out: string[] = [];
    for (const line of lines) {
      const w = line.trim().split(/\s+/);
      if (w[0] === "") continue;
      try {
        out.push(answer(w));
      } catch (e) {
        out.push(`error ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    print(out.join("\n") + (out.length ? "\n" : ""));
    return 0;
  },
});

