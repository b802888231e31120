// Please-explain payload, legacy frame type 0x60 (PROTOCOL.md 3.3). Raw entries, no ports:
//   len(1..31) prefix  "which SIDs start with this?"      0x20 sid    "here is a SID"
//   0xFB signkey       "here is a signing key"            0xFD        "explain yourself"
// Length 0 makes servald abort and 33..0xFA is rejected: both are WireErrors here.
//
// API:
//   decodePleaseExplain(payload): PleaseExplainRepr   never throws; entries before an error are kept
//   encodePleaseExplain(w, entries)
//   pleaseExplainLength(entries): number
//   entries are {kind: "prefix" | "sid" | "signkey" | "explain-yourself", bytes} (bytes are views)

import { ByteReader, ByteWriter, WireError } from "./bytes";
import { ADDR_FULL, ADDR_P2P_YOU, ADDR_SIGNKEY, SID_BYTES } from "./address";

export type ExplainKind = "prefix" | "sid" | "signkey" | "explain-yourself";

export interface ExplainEntry {
  kind: ExplainKind;
  /** The prefix, SID or signing key; empty for explain-yourself. */
  bytes: Uint8Array;
}

export interface PleaseExplainRepr {
  entries: ExplainEntry[];
  error?: string;
}

const EMPTY = new Uint8Array(0);

export function decodePleaseExplain(payload: Uint8Array): PleaseExplainRepr {
  const out: PleaseExplainRepr = { entries: [] };
  const r = new ByteReader(payload);
  try {
    while (r.remaining() > 0) {
      const q = r.u8();
      if (q === ADDR_P2P_YOU) out.entries.push({ kind: "explain-yourself", bytes: EMPTY });
      else if (q === ADDR_SIGNKEY) out.entries.push({ kind: "signkey", bytes: r.bytes(32) });
      else if (q === ADDR_FULL) out.entries.push({ kind: "sid", bytes: r.bytes(SID_BYTES) });
      else if (q >= 1 && q < SID_BYTES) out.entries.push({ kind: "prefix", bytes: r.bytes(q) });
      else throw new WireError(`invalid please-explain entry code 0x${q.toString(16)}`);
    }
  } catch (e) {
    out.error = `entry ${out.entries.length}: ${e instanceof Error ? e.message : String(e)}`;
  }
  return out;
}

function check(e: ExplainEntry): void {
  const n = e.bytes.length;
  const ok = e.kind === "explain-yourself" ? n === 0
    : e.kind === "prefix" ? n >= 1 && n < SID_BYTES
    : n === 32;
  if (!ok) throw new WireError(`bad ${e.kind} entry of ${n} bytes`);
}

export function encodePleaseExplain(w: ByteWriter, entries: readonly ExplainEntry[]): void {
  for (const e of entries) {
    check(e);
    switch (e.kind) {
      case "explain-yourself": w.u8(ADDR_P2P_YOU); break;
      case "signkey": w.u8(ADDR_SIGNKEY); w.bytes(e.bytes); break;
      case "sid": w.u8(ADDR_FULL); w.bytes(e.bytes); break;
      case "prefix": w.u8(e.bytes.length); w.bytes(e.bytes); break;
    }
  }
}

export function pleaseExplainLength(entries: readonly ExplainEntry[]): number {
  let n = 0;
  for (const e of entries) n += 1 + e.bytes.length;
  return n;
}
