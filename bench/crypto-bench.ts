// Crypto micro-benchmark: the per-packet costs of MDP payload crypto (spec 5).
// Pure TS, so the same bundle runs under Node and under quickjs-ng:
//   npx esbuild bench/crypto-bench.ts --bundle --format=esm --platform=browser --external:qjs:os --external:serval:native --outfile=out/bench/crypto-bench.mjs
//   node out/bench/crypto-bench.mjs        <quickjs runner> out/bench/crypto-bench.mjs
// Prints one line per operation: ops/s and microseconds of user CPU time per op.
// When the runner also provides `serval:native` (the C shim's crypto, as the
// daemon uses it), the provider over those primitives is measured too
// (bundle with --external:serval:native as well).
import nacl from "tweetnacl";
import { createNaclCrypto } from "../src/crypto/nacl-provider";
import { identityFromSeed } from "../src/crypto/identity";
import { curve25519PublicFromEd25519 } from "../src/crypto/ed25519-to-x25519";
import { openMdpPayload, sealMdpPayload } from "../src/crypto/mdp-payload";

// User CPU time in ms, so other processes on a busy machine inflate results
// less than wall time would: qjs:os cputime() under QuickJS, process.cpuUsage() under Node.
type CpuClock = () => number;
async function cpuClock(): Promise<CpuClock> {
  const proc = (globalThis as { process?: { cpuUsage(): { user: number } } }).process;
  if (proc !== undefined) return () => proc.cpuUsage().user / 1000;
  const os = (await import("qjs:os")) as unknown as { cputime(): number };
  return () => os.cputime() / 1000;
}
const now = await cpuClock();

// Deterministic xorshift "random" source: speed only, never for real keys.
let state = 0x9e3779b9;
function fakeRandom(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    state ^= state << 13; state ^= state >>> 17; state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

/** Run `fn` repeatedly for about `ms` milliseconds; print ops/s and µs/op. */
function bench(name: string, ms: number, fn: () => void): void {
  fn(); // warm up
  let n = 0;
  const start = now();
  let elapsed = 0;
  while (elapsed < ms) {
    fn();
    n++;
    elapsed = now() - start;
  }
  const us = (elapsed * 1000) / n;
  console.log(`${name.padEnd(44)} ${(n / (elapsed / 1000)).toFixed(0).padStart(8)} ops/s ${us.toFixed(1).padStart(9)} us/op`);
}

const crypto = createNaclCrypto(fakeRandom);
const a = identityFromSeed(fakeRandom(32));
const b = identityFromSeed(fakeRandom(32));
const msg = fakeRandom(1024);
const nonce = fakeRandom(24);
/** A value the setup needs (a refused key or box here means a broken build). */
function must<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`selfcheck: ${what} failed`);
  return v;
}
const key = must(crypto.boxBeforeNm(b.sid, a.boxSecret), "boxBeforeNm");
const boxed = crypto.boxAfterNm(msg, nonce, key);
const digest = crypto.sha512(msg);
const sig = crypto.signDetached(digest, a.signSecret);
const sealed = must(sealMdpPayload(crypto, "ciphered", msg, { source: a, destinationSid: b.sid }), "seal");
const MS = 1500;

// Self-check first, so a number is never reported for a broken engine build.
function selfCheck(): void {
  const opened = openMdpPayload(crypto, 0x30, sealed, { sourceSid: a.sid, destination: b });
  if (!opened.ok || opened.plain.length !== msg.length || opened.plain.some((v, i) => v !== msg[i])) throw new Error("selfcheck: box round trip failed");
  const sid = crypto.sidFromSignKey(a.signPublic);
  if (sid === undefined || sid.some((v, i) => v !== a.sid[i])) throw new Error("selfcheck: sidFromSignKey != scalarmult_base(box secret)");
  if (!crypto.verifyDetached(digest, sig, a.signPublic)) throw new Error("selfcheck: signature does not verify");
  console.log("selfcheck ok");
}
selfCheck();

bench("boxAfterNm 1024 B", MS, () => { crypto.boxAfterNm(msg, nonce, key); });
bench("boxOpenAfterNm 1024 B", MS, () => { crypto.boxOpenAfterNm(boxed, nonce, key); });
bench("seal ciphered MDP 1024 B (cached key)", MS, () => { sealMdpPayload(crypto, "ciphered", msg, { source: a, destinationSid: b.sid }); });
bench("open ciphered MDP 1024 B (cached key)", MS, () => { openMdpPayload(crypto, 0x30, sealed, { sourceSid: a.sid, destination: b }); });
bench("sha512 1024 B", MS, () => { crypto.sha512(msg); });
bench("signDetached (64-byte digest)", MS, () => { crypto.signDetached(digest, a.signSecret); });
bench("verifyDetached (64-byte digest; BigInt)", MS, () => { crypto.verifyDetached(digest, sig, a.signPublic); });
bench("tweetnacl sign.detached.verify (64-byte digest)", MS, () => { nacl.sign.detached.verify(digest, sig, a.signPublic); });
bench("boxBeforeNm uncached (X25519+HSalsa20)", MS, () => { nacl.box.before(b.sid, a.boxSecret); });
bench("sidFromSignKey uncached (BigInt)", MS, () => { curve25519PublicFromEd25519(a.signPublic); });
// JS-side cost per packet once the cipher is native: the box itself is stubbed out
// (about what a C call costs), leaving nonce, key cache lookup, copies and checks.
const stubbed = createNaclCrypto(fakeRandom, {
  native: { boxAfterNm: (p) => new Uint8Array(p.length + 16), boxOpenAfterNm: (c) => c.subarray(16) },
});
const stubSealed = must(sealMdpPayload(stubbed, "ciphered", msg, { source: a, destinationSid: b.sid }), "seal");
bench("seal ciphered MDP 1024 B, box stubbed (JS overhead)", MS, () => { sealMdpPayload(stubbed, "ciphered", msg, { source: a, destinationSid: b.sid }); });
bench("open ciphered MDP 1024 B, box stubbed (JS overhead)", MS, () => { openMdpPayload(stubbed, 0x30, stubSealed, { sourceSid: a.sid, destination: b }); });
const seed = fakeRandom(32);
bench("identityFromSeed (new local identity)", MS, () => { identityFromSeed(seed); });

// The same provider over the C shim's primitives, if this runner has them.
type NativeModule = Record<string, ((...args: Uint8Array[]) => Uint8Array | boolean | undefined) | undefined>;
async function loadNative(): Promise<NativeModule | undefined> {
  try {
    return (await import("serval:native")) as unknown as NativeModule;
  } catch {
    return undefined;
  }
}
const nat = await loadNative();
if (nat === undefined || nat.cryptoBoxAfterNm === undefined) {
  console.log("(no serval:native in this runner: native primitives not measured)");
} else {
  const f = (name: string): ((...args: Uint8Array[]) => never) => nat[name] as (...args: Uint8Array[]) => never;
  const nc = createNaclCrypto(fakeRandom, {
    native: {
      boxBeforeNm: f("cryptoBoxBeforeNm"), boxAfterNm: f("cryptoBoxAfterNm"), boxOpenAfterNm: f("cryptoBoxOpenAfterNm"),
      signDetached: f("cryptoSignDetached"), verifyDetached: f("cryptoVerifyDetached"), sha512: f("cryptoSha512"),
      sidFromSignKey: f("cryptoSidFromSignKey"),
    },
  });
  const nSealed = must(sealMdpPayload(nc, "ciphered", msg, { source: a, destinationSid: b.sid }), "native seal");
  const nOpened = openMdpPayload(nc, 0x30, nSealed, { sourceSid: a.sid, destination: b });
  const jsOpened = openMdpPayload(crypto, 0x30, nSealed, { sourceSid: a.sid, destination: b });
  if (!nOpened.ok || !jsOpened.ok || !nc.verifyDetached(digest, sig, a.signPublic)) throw new Error("selfcheck: native primitives disagree with tweetnacl");
  console.log("native selfcheck ok");
  const boxNative = f("cryptoBoxAfterNm"), openNative = f("cryptoBoxOpenAfterNm"), beforeNative = f("cryptoBoxBeforeNm");
  bench("native boxAfterNm 1024 B", MS, () => { boxNative(msg, nonce, key); });
  bench("native boxOpenAfterNm 1024 B", MS, () => { openNative(boxed, nonce, key); });
  bench("native seal ciphered MDP 1024 B (cached key)", MS, () => { sealMdpPayload(nc, "ciphered", msg, { source: a, destinationSid: b.sid }); });
  bench("native open ciphered MDP 1024 B (cached key)", MS, () => { openMdpPayload(nc, 0x30, nSealed, { sourceSid: a.sid, destination: b }); });
  bench("native sha512 1024 B", MS, () => { nc.sha512(msg); });
  bench("native signDetached (64-byte digest)", MS, () => { nc.signDetached(digest, a.signSecret); });
  bench("native verifyDetached (64-byte digest)", MS, () => { nc.verifyDetached(digest, sig, a.signPublic); });
  bench("native boxBeforeNm uncached", MS, () => { beforeNative(b.sid, a.boxSecret); });
  bench("native sidFromSignKey uncached", MS, () => { f("cryptoSidFromSignKey")(a.signPublic); });
}

// Built binaries, e.g. the shipped musl builds (with the selftest hook:
// `make cross CROSS=x86_64 CROSS_TEST_HOOKS=1 CROSS_OUT_DIR=out/cross-hooks`),
// measured through `servald selftest crypto` ("bench OP N" lines: CPU time of
// the C primitives in that binary). Node only:
//   CRYPTO_BENCH_SERVALD='old=/path/old/servald;new=out/cross-hooks/x86_64/servald;mipsel=qemu-mipsel-static out/cross-hooks/mipsel/servald'
// Each "label=command" runs 3 times (the lowest time is kept); the ratio column
// compares each binary with the first one, measured in the same run.
// CRYPTO_BENCH_N scales the iterations (e.g. 0.1 under qemu).
const binSpec = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.CRYPTO_BENCH_SERVALD;
if (binSpec !== undefined && binSpec !== "") {
  const { spawnSync } = await import("node:child_process");
  const scale = Number((globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.CRYPTO_BENCH_N ?? "1");
  const ops: [string, number][] = [["sha512_1024", 20000], ["box1024", 20000], ["open1024", 20000], ["before", 300], ["sign", 300], ["verify", 300], ["keypair", 300], ["pk2x", 300]];
  const bins = binSpec.split(";").map((e) => { const i = e.indexOf("="); return { label: e.slice(0, i), cmd: e.slice(i + 1).trim().split(/\s+/) }; });
  const usOf = (cmd: string[]): Map<string, number> => {
    const input = ops.map(([op, n]) => `bench ${op} ${Math.max(10, Math.round(n * scale))}`).join("\n") + "\n";
    const r = spawnSync(cmd[0]!, [...cmd.slice(1), "selftest", "crypto"], { input, encoding: "utf8", timeout: 1_800_000 });
    if (r.status !== 0) throw new Error(`${cmd.join(" ")} selftest crypto: ${r.error ?? r.stderr}`);
    const m = new Map<string, number>();
    for (const line of r.stdout.trim().split("\n")) {
      const [op, us] = line.split(" ");
      if (op === undefined || us === undefined || !Number.isFinite(Number(us))) throw new Error(`${cmd.join(" ")}: unexpected answer '${line}'`);
      m.set(op, Number(us));
    }
    return m;
  };
  const results = bins.map((b) => {
    const runs = [usOf(b.cmd), usOf(b.cmd), usOf(b.cmd)];
    return new Map(ops.map(([op]) => [op, Math.min(...runs.map((r) => r.get(op) ?? Infinity))]));
  });
  console.log(`\nservald selftest crypto, us/op (CPU time, lowest of 3 runs); ratio = first / this`);
  console.log(`${"op".padEnd(12)} ${bins.map((b, i) => `${b.label.padStart(14)}${i > 0 ? "  ratio" : ""}`).join(" ")}`);
  for (const [op] of ops) {
    const base = results[0]!.get(op)!;
    console.log(`${op.padEnd(12)} ${results.map((r, i) => `${r.get(op)!.toFixed(2).padStart(14)}${i > 0 ? `${(base / r.get(op)!).toFixed(2).padStart(6)}x` : ""}`).join(" ")}`);
  }
}
