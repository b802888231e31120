// The C shim's own crypto primitives (src/native/crypto.h) in the REAL binary
// (`servald selftest crypto`) against tweetnacl-js and our JS code: random
// inputs of many lengths, tampered MACs and signatures, published known-answer
// vectors, and the crypto calls made while opening real Serval DNA captures.
// The same requests also run on big-endian MIPS under qemu (test/native/crypto-cli.c,
// the primitives without quickjs, cross-compiled here).
import { test } from "uvu";
import * as assert from "uvu/assert";
import nacl from "tweetnacl";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { CryptoProvider, Identity } from "../../src/crypto/types";
import { createNaclCrypto } from "../../src/crypto/nacl-provider";
import { curve25519PublicFromEd25519 } from "../../src/crypto/ed25519-to-x25519";
import { ed25519Verify } from "../../src/crypto/ed25519-verify";
import { openMdpPayload } from "../../src/crypto/mdp-payload";
import { parseServalKeyringDump } from "../../src/keyring/serval-dump";
import { decodeKeyring } from "../../src/keyring/keyring-file";
import { SidBook } from "../helpers/sid-book";
import { decodePacket } from "../../src/wire/packet";
import { TYPE_DATA, FRAME_CIPHERED, FRAME_SIGNED } from "../../src/wire/types";
import { readPcapFile, udpDatagrams } from "../helpers/pcap";
import { INTEROP } from "../helpers/wire-interop";

const root = process.env.SERVAL_REPO ?? resolve(new URL("../..", import.meta.url).pathname);
const SERVALD = resolve(root, "out/servald");

const hex = (b: Uint8Array | undefined | null): string => (b ? (b.length ? Buffer.from(b).toString("hex") : ".") : "-");
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));
const rnd = (n: number): Uint8Array => nacl.randomBytes(n);

interface Case { req: string; want: string }

/** Runs requests through a line-protocol driver; returns its answers (lower case). */
function runDriver(cmd: string, args: string[], cases: Case[]): string[] {
  const r = spawnSync(cmd, args, { input: cases.map((c) => c.req).join("\n") + "\n", maxBuffer: 256 << 20, timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${cmd} exited ${r.status}: ${r.stderr?.toString()}`);
  return r.stdout.toString().trim().split("\n").map((l) => l.toLowerCase());
}

function check(cmd: string, args: string[], cases: Case[]): void {
  const out = runDriver(cmd, args, cases);
  assert.is(out.length, cases.length, "one answer per request");
  const bad = cases.filter((c, i) => out[i] !== c.want).map((c) => `${c.req.slice(0, 70)}... got ${out[cases.indexOf(c)]?.slice(0, 40)} want ${c.want.slice(0, 40)}`);
  assert.equal(bad.slice(0, 5), [], `${bad.length} of ${cases.length} differ`);
}

const LENGTHS = [0, 1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 111, 112, 113, 127, 128, 129, 239, 240, 255, 256, 1023, 1024, 1025, 1200, 2047, 2048, 2049, 4096, 65536];

function boxCases(): Case[] {
  const out: Case[] = [];
  for (const n of LENGTHS) {
    for (let rep = 0; rep < 3; rep++) {
      const k = rnd(32), no = rnd(24), m = rnd(n);
      const b = nacl.secretbox(m, no, k);
      out.push({ req: `box ${hex(k)} ${hex(no)} ${hex(m)}`, want: hex(b) });
      out.push({ req: `open ${hex(k)} ${hex(no)} ${hex(b)}`, want: hex(m) });
      // any flipped bit (MAC or ciphertext) is rejected
      const t = b.slice();
      t[(n * 7 + rep * 13) % t.length] ^= 1 << rep;
      out.push({ req: `open ${hex(k)} ${hex(no)} ${hex(t)}`, want: "-" });
      const wrongKey = k.slice();
      wrongKey[31] ^= 0x80;
      out.push({ req: `open ${hex(wrongKey)} ${hex(no)} ${hex(b)}`, want: "-" });
    }
  }
  const k = rnd(32), no = rnd(24);
  out.push({ req: `open ${hex(k)} ${hex(no)} ${hex(rnd(15))}`, want: "-" });
  out.push({ req: `open ${hex(k)} ${hex(no)} .`, want: "-" });
  return out;
}

function shaCases(): Case[] {
  const out: Case[] = [
    // FIPS 180-4 examples (one and two blocks)
    { req: `sha512 ${hex(new Uint8Array(Buffer.from("abc")))}`, want: "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f" },
    { req: `sha512 ${hex(new Uint8Array(Buffer.from("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")))}`, want: "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909" },
    { req: "sha512 .", want: "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e" },
  ];
  for (const n of LENGTHS) {
    const m = rnd(n);
    out.push({ req: `sha512 ${hex(m)}`, want: hex(nacl.hash(m)) });
  }
  return out;
}

const P = (1n << 255n) - 19n;
const le32 = (v: bigint): Uint8Array => { const b = new Uint8Array(32); for (let i = 0; i < 32; i++) b[i] = Number((v >> BigInt(8 * i)) & 255n); return b; };

/** X25519 u-coordinates of small order: 0, 1, p - 1, the two of order 8, p, p + 1
 * (non-canonical 0 and 1), each also with bit 255 set (ignored). */
const SMALL_ORDER_U: Uint8Array[] = (() => {
  const order8 = [
    0x00b8495f16056286fdb1329ceb8d09da6ac49ff1fae35616aeb8413b7c7aebe0n,
    0x57119fd0dd4e22d8868e1c58c45c44045bef839c55b1d0b1248c50a3bc959c5fn,
  ];
  const us = [0n, 1n, P - 1n, ...order8, P, P + 1n];
  return us.flatMap((u) => [le32(u), le32(u | (1n << 255n))]);
})();

function x25519Cases(): Case[] {
  const out: Case[] = [
    // RFC 7748 section 5.2
    { req: "x25519 a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4 e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c", want: "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552" },
    { req: "x25519 4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493", want: "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957" },
    // section 5.2, one iteration of k = X25519(k, u) from k = u = 9
    { req: "x25519 0900000000000000000000000000000000000000000000000000000000000000 0900000000000000000000000000000000000000000000000000000000000000", want: "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079" },
    // section 6.1 Diffie-Hellman: public keys and the shared secret
    { req: "x25519base 77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", want: "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a" },
    { req: "x25519base 5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", want: "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f" },
    { req: "x25519 77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", want: "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742" },
  ];
  // random scalars and points, plus u >= p and u with bit 255 set (both reduced / masked like tweetnacl)
  const points = [rnd(32), rnd(32), rnd(32), le32(P), le32(P + 1n), le32(P + 5n), le32((1n << 255n) - 1n), le32(0n), le32(1n)];
  for (let i = 0; i < 20; i++) points.push(rnd(32));
  for (const u of points) {
    const s = rnd(32);
    const q = nacl.scalarMult(s, u);
    // an all-zero result (u of small order) is refused, as libsodium does
    out.push({ req: `x25519 ${hex(s)} ${hex(u)}`, want: q.every((v) => v === 0) ? "-" : hex(q) });
  }
  // every small-order u (and its non-canonical and bit-255 forms): refused by x25519 and beforenm
  for (const u of SMALL_ORDER_U) {
    const s = rnd(32);
    assert.ok(nacl.scalarMult(s, u).every((v) => v === 0), `small order ${hex(u)}`);
    out.push({ req: `x25519 ${hex(s)} ${hex(u)}`, want: "-" });
    out.push({ req: `before ${hex(u)} ${hex(s)}`, want: "-" });
  }
  for (let i = 0; i < 10; i++) {
    const s = rnd(32);
    out.push({ req: `x25519base ${hex(s)}`, want: hex(nacl.scalarMult.base(s)) });
    const pk = nacl.box.keyPair().publicKey, sk = rnd(32);
    out.push({ req: `before ${hex(pk)} ${hex(sk)}`, want: hex(nacl.box.before(pk, sk)) });
  }
  return out;
}

// RFC 8032 section 7.1 tests 1-3: secret (seed), public, message, signature
const RFC8032 = [
  ["9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"],
  ["4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"],
  ["c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7", "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
    "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"],
];

const L = (1n << 252n) + 27742317777372353535851937790883648493n;

function ed25519Cases(): Case[] {
  const out: Case[] = [];
  for (const [seed, pub, msg, sig] of RFC8032) {
    out.push({ req: `keypair ${seed}`, want: pub });
    out.push({ req: `sign ${seed}${pub} ${msg || "."}`, want: sig });
    out.push({ req: `verify ${pub} ${sig} ${msg || "."}`, want: "1" });
  }
  for (const n of [0, 1, 31, 32, 33, 64, 100, 127, 128, 129, 1024, 3000]) {
    const seed = rnd(32), m = rnd(n);
    const kp = nacl.sign.keyPair.fromSeed(seed);
    const sig = nacl.sign.detached(m, kp.secretKey);
    out.push({ req: `keypair ${hex(seed)}`, want: hex(kp.publicKey) });
    out.push({ req: `sign ${hex(kp.secretKey)} ${hex(m)}`, want: hex(sig) });
    out.push({ req: `verify ${hex(kp.publicKey)} ${hex(sig)} ${hex(m)}`, want: "1" });
    for (const at of [0, 31, 32, 63]) {
      const t = sig.slice();
      t[at] ^= 0x10;
      out.push({ req: `verify ${hex(kp.publicKey)} ${hex(t)} ${hex(m)}`, want: "0" });
    }
    if (n > 0) {
      const tm = m.slice();
      tm[n - 1] ^= 1;
      out.push({ req: `verify ${hex(kp.publicKey)} ${hex(sig)} ${hex(tm)}`, want: "0" });
    }
    const other = nacl.sign.keyPair().publicKey;
    out.push({ req: `verify ${hex(other)} ${hex(sig)} ${hex(m)}`, want: "0" });
    // S + L is the same scalar mod L, but not canonical: rejected like libsodium
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i]);
    if (s + L < 1n << 256n) {
      const nc = sig.slice();
      nc.set(le32(s + L), 32);
      out.push({ req: `verify ${hex(kp.publicKey)} ${hex(nc)} ${hex(m)}`, want: "0" });
      assert.is(ed25519Verify(m, nc, kp.publicKey), false);
    }
    out.push({ req: `pk2x ${hex(kp.publicKey)}`, want: hex(curve25519PublicFromEd25519(kp.publicKey)) });
  }
  // keys that are not acceptable points: identity and other small-order points,
  // non-canonical y, random bytes (about half are not on the curve)
  const odd = [le32(1n), le32(P - 1n), le32(0n), le32(P + 1n), unhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa")];
  for (let i = 0; i < 30; i++) odd.push(rnd(32));
  const m = rnd(40);
  const kp = nacl.sign.keyPair();
  const sig = nacl.sign.detached(m, kp.secretKey);
  for (const k of odd) {
    out.push({ req: `pk2x ${hex(k)}`, want: hex(curve25519PublicFromEd25519(k)) });
    out.push({ req: `verify ${hex(k)} ${hex(sig)} ${hex(m)}`, want: ed25519Verify(m, sig, k) ? "1" : "0" });
  }
  return out;
}

/** A CryptoProvider (tweetnacl/BigInt) that records the calls made while opening captures. */
function recording(inner: CryptoProvider, cases: Case[]): CryptoProvider {
  return {
    ...inner,
    boxBeforeNm(peer, secret) {
      const k = inner.boxBeforeNm(peer, secret);
      cases.push({ req: `before ${hex(peer)} ${hex(secret)}`, want: hex(k) });
      return k;
    },
    boxOpenAfterNm(boxed, nonce, key) {
      const p = inner.boxOpenAfterNm(boxed, nonce, key);
      cases.push({ req: `open ${hex(key)} ${hex(nonce)} ${hex(boxed)}`, want: hex(p) });
      return p;
    },
    verifyDetached(m, sig, pub) {
      const ok = inner.verifyDetached(m, sig, pub);
      cases.push({ req: `verify ${hex(pub)} ${hex(sig)} ${hex(m)}`, want: ok ? "1" : "0" });
      return ok;
    },
    sidFromSignKey(pub) {
      const sid = inner.sidFromSignKey(pub);
      cases.push({ req: `pk2x ${hex(pub)}`, want: hex(sid) });
      return sid;
    },
  };
}

/** Crypto calls (with tweetnacl's answers) of opening the first DATA frames of a capture. */
function captureCases(pcap: string, maxFrames: number): { cases: Case[]; ciphered: number; signed: number } {
  const cases: Case[] = [];
  const keys = new Map<string, Identity>();
  const dir = dirname(join(INTEROP, pcap));
  for (const f of readdirSync(dir)) {
    if (!/^keyring_[A-Z]_dump_secret\.txt$/.test(f)) continue;
    const r = parseServalKeyringDump(readFileSync(join(dir, f), "utf8"));
    if (!r.ok) throw new Error(`${f}: ${r.message}`);
    for (const d of r.identities) keys.set(hex(d.identity.sid), d.identity);
  }
  const crypto = recording(createNaclCrypto((n) => rnd(n)), cases);
  const book = new SidBook((k) => crypto.sidFromSignKey(k));
  for (const id of keys.values()) book.learnSid(id.sid);
  let ciphered = 0, signed = 0, frames = 0;
  for (const dg of udpDatagrams(readPcapFile(join(INTEROP, pcap)), 4110)) {
    const pkt = decodePacket(dg.payload, book);
    for (const f of pkt.frames) {
      if (f.type !== TYPE_DATA || f.invalid || f.source === undefined || frames >= maxFrames) continue;
      if (!f.ciphered && !f.signed) continue;
      frames++;
      const r = openMdpPayload(crypto, (f.ciphered ? FRAME_CIPHERED : 0) | (f.signed ? FRAME_SIGNED : 0), f.payload, {
        sourceSid: f.source,
        destination: f.destination === undefined ? undefined : keys.get(hex(f.destination)),
        sourceSignPublic: keys.get(hex(f.source))?.signPublic,
      });
      assert.ok(r.ok, `frame ${dg.frameNo} opens with tweetnacl`);
      if (f.ciphered) ciphered++;
      else signed++;
    }
  }
  return { cases, ciphered, signed };
}

const selftest = (cases: Case[]) => check(SERVALD, ["selftest", "crypto"], cases);

test("XSalsa20-Poly1305 box/open = tweetnacl for 0..65536 bytes; flipped bits and wrong keys rejected", () => {
  selftest(boxCases());
});

test("seal (the daemon's MDP ciphered payload in one array) = nonce || tweetnacl's box for 0..65536 bytes, and our JS composition agrees", () => {
  const js = createNaclCrypto(rnd);
  const cases: Case[] = [];
  for (const n of LENGTHS) {
    const k = rnd(32), no = rnd(24), m = rnd(n);
    const want = new Uint8Array([...no, ...nacl.secretbox(m, no, k)]);
    assert.is(hex(js.sealAfterNm!(m, no, k)), hex(want), `JS seal of ${n} bytes`);
    cases.push({ req: `seal ${hex(k)} ${hex(no)} ${hex(m)}`, want: hex(want) });
  }
  selftest(cases);
});

test("SHA-512: FIPS 180-4 examples and tweetnacl at every padding boundary", () => {
  selftest(shaCases());
});

test("X25519: RFC 7748 vectors, random scalars/points (incl. u >= p, bit 255 set) and box_beforenm = tweetnacl", () => {
  const cases = x25519Cases();
  // the vectors themselves agree with tweetnacl
  for (const c of cases.slice(0, 6)) {
    const [op, a, b] = c.req.split(" ");
    assert.is(hex(op === "x25519" ? nacl.scalarMult(unhex(a!), unhex(b!)) : nacl.scalarMult.base(unhex(a!))), c.want);
  }
  selftest(cases);
});

test("Ed25519: RFC 8032 tests 1-3, sign = tweetnacl, verify rejects tampering, S >= L, bad and small-order keys; pk->x25519 = our JS", () => {
  for (const [seed, pub, msg, sig] of RFC8032) {
    // the vectors themselves agree with tweetnacl
    const kp = nacl.sign.keyPair.fromSeed(unhex(seed));
    assert.is(hex(kp.publicKey), pub);
    assert.is(hex(nacl.sign.detached(unhex(msg), kp.secretKey)), sig);
  }
  selftest(ed25519Cases());
});

test("real Serval DNA captures: the native primitives give tweetnacl's answers for every crypto call", () => {
  for (const pcap of ["01_startup_discovery.pcap", "02_msp_hello.pcap", "04_forward_hello.pcap"]) {
    const r = captureCases(pcap, 60);
    assert.ok(r.ciphered + r.signed > 0, pcap);
    assert.ok(r.cases.some((c) => c.req.startsWith("open ") && c.want !== "-"), `${pcap}: some frames were ciphered`);
    selftest(r.cases);
  }
});

test("bad sizes throw a TypeError instead of reading out of bounds", () => {
  const out = runDriver(SERVALD, ["selftest", "crypto"], [
    { req: `box ${hex(rnd(31))} ${hex(rnd(24))} 00`, want: "" },
    { req: `open ${hex(rnd(32))} ${hex(rnd(23))} ${hex(rnd(20))}`, want: "" },
    { req: `sign ${hex(rnd(32))} 00`, want: "" },
  ]);
  for (const l of out) assert.match(l, /^error .*must be \d+ bytes/);
});

test("keyring identities made and read by servald (native derivation) are the ones tweetnacl derives from the stored seeds", () => {
  const dir = mkdtempSync(join(tmpdir(), "h9-native-keyring-"));
  try {
    const env = { ...process.env, SERVALINSTANCE_PATH: dir, SERVAL_RUN_PATH: dir };
    for (let i = 0; i < 3; i++) assert.is(spawnSync(SERVALD, ["keyring", "add"], { env }).status, 0);
    const list = spawnSync(SERVALD, ["keyring", "list"], { env, encoding: "utf8" });
    assert.is(list.status, 0, list.stderr);
    const decoded = decodeKeyring(new Uint8Array(readFileSync(join(dir, "serval.keyring"))));
    if (!decoded.ok) throw new Error(decoded.error.message);
    assert.is(decoded.identities.length, 3);
    const lines = list.stdout.trim().split("\n").filter((l) => /^[0-9A-F]{64}:/.test(l)).map((l) => l.toLowerCase());
    assert.equal(lines.map((l) => l.split(":").slice(0, 2).join(":")),
      decoded.identities.map((id) => `${hex(id.sid)}:${hex(id.signPublic)}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The routers' core: no FPU (qemu-user's default MIPS CPU has one).
const QEMU_MIPS = ["-cpu", "24Kc"];

/** Cross-compiles the quickjs-free driver (MIPS16e, soft-float on musl, as the router build) for a big-endian target. */
function buildMipsDriver(): string {
  const dir = resolve(root, "out/test/native-crypto");
  mkdirSync(dir, { recursive: true });
  const bin = join(dir, "crypto-cli-mips");
  const musl = spawnSync("sh", [resolve(root, "openwrt/build-musl.sh"), "mips-linux-gnu", "sf-mips16"], { encoding: "utf8", timeout: 1_200_000 });
  if (musl.status !== 0) throw new Error(`openwrt/build-musl.sh mips-linux-gnu sf-mips16: ${musl.error ?? musl.stderr.slice(-2000)}`);
  const specs = resolve(root, ".cache/musl/mips-linux-gnu-sf-mips16/lib/musl-gcc.specs");
  const src = ["salsa20", "poly1305", "sha512", "fe25519", "x25519", "ed25519"].map((f) => resolve(root, `src/native/${f}.c`));
  const r = spawnSync("mips-linux-gnu-gcc", ["-msoft-float", `-specs=${specs}`, "-Os", "-std=c99", "-Wall", "-static", "-mips16", "-minterlink-mips16",
    `-I${resolve(root, "src/native")}`, "-o", bin, resolve(root, "test/native/crypto-cli.c"), ...src], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`mips-linux-gnu-gcc (make deps installs it): ${r.error ?? r.stderr}`);
  return bin;
}

test("big-endian MIPS (qemu-mips-static -cpu 24Kc): the same vectors and random cases", () => {
  const bin = buildMipsDriver();
  const cases = [...boxCases().filter((c) => c.req.length < 20000), ...shaCases(), ...x25519Cases(), ...ed25519Cases(), ...captureCases("02_msp_hello.pcap", 20).cases];
  check("qemu-mips-static", [...QEMU_MIPS, bin], cases);
});

// The shipped cross builds leave the selftest hooks out of their bundle
// (BUNDLE_FLAGS=--no-test-hooks, the ipk size budget); this one has the same
// engine objects and C shim (the crypto under test) with the hooks in.
test("servald for big-endian MIPS (make cross CROSS=mips: static musl, soft-float, MIPS16e; the shipped engine and C shim, bundle with test hooks) under qemu: selftest crypto", () => {
  const mk = spawnSync("make", ["--no-print-directory", "cross", "CROSS=mips", "CROSS_TEST_HOOKS=1", "CROSS_OUT_DIR=out/cross-hooks"], { cwd: root, encoding: "utf8", timeout: 1_200_000 });
  assert.is(mk.status, 0, `make cross CROSS=mips: ${mk.stderr?.slice(-2000)}`);
  const cases = [...boxCases().filter((c) => c.req.length < 5000), ...shaCases().slice(0, 12), ...x25519Cases().slice(0, 12),
    ...ed25519Cases().slice(0, 30), ...captureCases("01_startup_discovery.pcap", 10).cases];
  check("qemu-mips-static", [...QEMU_MIPS, resolve(root, "out/cross-hooks/mips/servald"), "selftest", "crypto"], cases);
});

test.run();
