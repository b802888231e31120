// Serval "packed" unsigned integers (PROTOCOL.md 0): 7 bits per byte, least
// significant group first, 0x80 on every byte but the last (LEB128). Used for
// MDP port numbers. Values are unsigned 32-bit.
//
// API: readPacked(r): number; writePacked(w, v); packedLength(v): number

import { ByteReader, ByteWriter, WireError } from "./bytes";

/** Read a packed uint32. More than 5 bytes, or a value above 2^32-1, is a WireError. */
export function readPacked(r: ByteReader): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 5; i++) {
    const b = r.u8();
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) {
      if (value > 0xffffffff) throw new WireError("packed integer exceeds 32 bits");
      return value;
    }
    scale *= 128;
  }
  throw new WireError("packed integer longer than 5 bytes");
}

export function writePacked(w: ByteWriter, v: number): void {
  // (per sent datagram, for its ports: below 2^31 an int32, shifted, not divided)
  if ((v | 0) === v && v >= 0) {
    while (v > 0x7f) {
      w.u8((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    w.u8(v);
    return;
  }
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new WireError(`cannot pack ${v}`);
  while (v > 0x7f) {
    w.u8((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  w.u8(v);
}

/** Number of bytes writePacked(v) produces. */
export function packedLength(v: number): number {
  let n = 1;
  while (v > 0x7f) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}
