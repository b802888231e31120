// `servald mdp ping` payload on MDP port 7 (PROTOCOL.md 10(b)): u32 seq LE || u64 time_ms LE.
// The echo service returns the payload unchanged. time_ms is split into two
// u32 halves so no BigInt is needed (exact up to 2^53).
//
// API: encodePing(w, seq, timeMs); decodePing(data): PingRepr; PING_PAYLOAD_BYTES = 12

import { ByteReader, ByteWriter, WireError } from "./bytes";

export const PING_PAYLOAD_BYTES = 12;

export interface PingRepr {
  seq: number;
  timeMs: number;
}

export function encodePing(w: ByteWriter, seq: number, timeMs: number): void {
  if (!Number.isInteger(timeMs) || timeMs < 0 || timeMs > Number.MAX_SAFE_INTEGER) {
    throw new WireError(`bad ping time ${timeMs}`);
  }
  w.u32le(seq >>> 0);
  w.u32le(timeMs % 0x100000000);
  w.u32le(Math.floor(timeMs / 0x100000000));
}

/** Throws WireError when shorter than 12 bytes; extra bytes are ignored. */
export function decodePing(data: Uint8Array): PingRepr {
  const r = new ByteReader(data);
  const seq = r.u32le();
  const lo = r.u32le();
  const hi = r.u32le();
  return { seq, timeMs: hi * 0x100000000 + lo };
}
