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
      // (only a fifth byte can pass 32 bits: the common value, an int32, meets no float64 compare)
      if (i === 4 && value > 0xffffffff) throw new WireError("packed integer exceeds 32 bits");
      return value;
    }
    scale *= 128;
  }
  throw new WireError("packed integer longer than 5 bytes");
}

// (An int32 value, every MDP port, is shifted: `Math.floor(v / 128)` is a
// float64 division and floor, soft-float calls on an FPU-less router.)
export function writePacked(w: ByteWriter, v: number): void {
  if ((v | 0) !== v || v < 0) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new WireError(`cannot pack ${v}`);
    while (v > 0x7fffffff) {
      w.u8((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
  }
  while (v > 0x7f) {
    w.u8((v & 0x7f) | 0x80);
    v >>= 7;
  }
  w.u8(v);
}

/** Number of bytes writePacked(v) produces. */
export function packedLength(v: number): number {
  let n = 1;
  while (v > 0x7fffffff) {
    v = Math.floor(v / 128);
    n++;
  }
  while (v > 0x7f) {
    v >>= 7;
    n++;
  }
  return n;
}
