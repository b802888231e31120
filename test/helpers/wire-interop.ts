// Shared by the wire interop tests: the captured pcaps, their SID files, and an
// Ed25519 -> X25519 public key conversion (BigInt; tests only) so an address
// book can resolve 0xFB SIGNKEY addresses the way servald does.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fromHex } from "../../src/wire/bytes";
import { SidBook } from "./sid-book";

/** The Serval DNA captures, keyrings and dumps (what each is: its README.md).
 * test/run.mjs sets SERVAL_REPO to the repository root; else run from the root. */
export const INTEROP = resolve(process.env.SERVAL_REPO ?? process.cwd(), "test/fixtures/serval-dna");

/** Every pcap under INTEROP (recursively), including .pcap.xz, sorted. */
export function interopPcaps(dir = INTEROP): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...interopPcaps(p));
    else if (e.endsWith(".pcap") || e.endsWith(".pcap.xz")) out.push(p);
  }
  return out;
}

/** Every SID in any sid_*.txt file under INTEROP. */
export function interopSids(dir = INTEROP): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...interopSids(p));
    else if (/sid_[A-Z]\.txt$/.test(e)) out.push(fromHex(readFileSync(p, "utf8").trim()));
  }
  return out;
}

const P = (1n << 255n) - 19n;
function modpow(b: bigint, e: bigint): bigint {
  let r = 1n;
  b %= P;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return r;
}

/** crypto_sign_ed25519_pk_to_curve25519 for valid keys: u = (1 + y) / (1 - y) mod p. */
export function ed25519PkToX25519(pk: Uint8Array): Uint8Array | undefined {
  if (pk.length !== 32) return undefined;
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? pk[i] & 0x7f : pk[i]);
  if (y >= P) return undefined;
  const den = (1n - y + P) % P;
  if (den === 0n) return undefined;
  let u = ((1n + y) * modpow(den, P - 2n)) % P;
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) { out[i] = Number(u & 0xffn); u >>= 8n; }
  return out;
}

/** An address book as a fresh receiver of the capture: knows the sid_*.txt SIDs. */
export function seededBook(): SidBook {
  const book = new SidBook(ed25519PkToX25519);
  for (const sid of interopSids()) book.learnSid(sid);
  return book;
}

/** The SIDs of the run a pcap belongs to (file name prefix line_/loss10_/loss10stall_ or none). */
export function sidsForPcap(path: string): Uint8Array[] {
  const dir = path.slice(0, path.lastIndexOf("/"));
  const base = path.slice(path.lastIndexOf("/") + 1);
  const m = /^(line_|loss10stall_|loss10_)/.exec(base);
  const prefix = m ? m[1] : "";
  const out: Uint8Array[] = [];
  for (const e of readdirSync(dir).sort()) {
    if (e.startsWith(`${prefix}sid_`) && e.endsWith(".txt")) {
      out.push(fromHex(readFileSync(join(dir, e), "utf8").trim()));
    }
  }
  return out;
}

/** A receiver's address book for one capture: optionally seeded with that run's SIDs. */
export function bookForPcap(path: string, seed: boolean): SidBook {
  const book = new SidBook(ed25519PkToX25519);
  if (seed) for (const sid of sidsForPcap(path)) book.learnSid(sid);
  return book;
}

export interface InteropKey {
  sid: Uint8Array;
  signPublic: Uint8Array;
  signSecret: Uint8Array;
  boxSecret: Uint8Array;
}

/** CRYPTOCOMBINED identities from every *keyring_*_dump_secret.txt (pub = sign_pub||SID, sec = sign_sec(64)||box_sec(32)). */
export function interopKeys(dir = INTEROP): InteropKey[] {
  const out: InteropKey[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) { out.push(...interopKeys(p)); continue; }
    if (!/keyring_[A-Z]_dump_secret\.txt$/.test(e)) continue;
    for (const line of readFileSync(p, "utf8").split("\n")) {
      const m = /CRYPTOCOMBINED\)\s+pub=([0-9A-F]{128})\s+sec=([0-9A-F]{192})/.exec(line);
      if (!m) continue;
      const pub = fromHex(m[1]);
      const sec = fromHex(m[2]);
      out.push({ signPublic: pub.slice(0, 32), sid: pub.slice(32), signSecret: sec.slice(0, 64), boxSecret: sec.slice(64) });
    }
  }
  return out;
}
