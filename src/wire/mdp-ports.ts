// MDP message ports header (PROTOCOL.md 4.3), the start of every DATA frame's plaintext:
//   packed(dst << 1 | same) [packed(src) unless same]
// e.g. dst 512, src 300 -> 80 08 AC 02; link-state 2 -> 2 -> 05.
//
// API:
//   decodePorts(r, out?): MdpPortsRepr          reads from the cursor; reuses `out` if given
//   decodeMdpMessage(plaintext): MdpMessage     ports + data view
//   readMdpPorts(plaintext, out): number         ports into `out`; the data's offset, or -1 (no allocation)
//   encodePorts(w, dstPort, srcPort)
//   portsLength(dstPort, srcPort): number

import type { MdpPortsRepr } from "./types";
import { ByteReader, ByteWriter, WireError } from "./bytes";
import { packedLength, readPacked, writePacked } from "./packed";

/** Largest port whose `dst << 1 | 1` still fits servald's uint32. */
export const MDP_PORT_MAX = 0x7fffffff;

export interface MdpMessage extends MdpPortsRepr {
  /** The bytes after the ports header (a view). */
  data: Uint8Array;
}

export function decodePorts(r: ByteReader, out?: MdpPortsRepr): MdpPortsRepr {
  const v = readPacked(r);
  // (v >> 1 while v is an int32: no float64 division per message)
  const dstPort = v <= 0x7fffffff ? v >> 1 : Math.floor(v / 2);
  const srcPort = v & 1 ? dstPort : readPacked(r);
  if (out) {
    out.dstPort = dstPort;
    out.srcPort = srcPort;
    return out;
  }
  return { dstPort, srcPort };
}

/** Split a decrypted/verified MDP plaintext into ports and data. Throws WireError if truncated. */
export function decodeMdpMessage(plaintext: Uint8Array): MdpMessage {
  const m: MdpMessage = { dstPort: 0, srcPort: 0, data: plaintext };
  const at = readMdpPorts(plaintext, m);
  if (at < 0) throw new WireError("truncated or malformed MDP ports header");
  m.data = plaintext.subarray(at);
  return m;
}

/** Where packedAt's value ended. */
let packedEnd = 0;

/** The packed uint32 at buf[at] (end in packedEnd), or -1 if truncated, longer
 * than 5 bytes or above 2^32-1 (readPacked's rules). Integer arithmetic up to
 * 4 bytes (28 bits: every port below 2^27). */
function packedAt(buf: Uint8Array, at: number): number {
  const n = buf.length;
  let v = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (at >= n) return -1;
    const b = buf[at++];
    v |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) {
      packedEnd = at;
      return v;
    }
  }
  if (at >= n) return -1;
  const b = buf[at++];
  if (b & 0x80) return -1;
  const value = v + b * 0x10000000;
  if (value > 0xffffffff) return -1;
  packedEnd = at;
  return value;
}

/** The ports of an MDP plaintext into `out` (per delivered datagram: no reader,
 * no objects); returns where the data starts, or -1 when the header is
 * truncated or malformed (where decodeMdpMessage throws). */
export function readMdpPorts(plaintext: Uint8Array, out: MdpPortsRepr): number {
  const v = packedAt(plaintext, 0);
  if (v < 0) return -1;
  const dstPort = v <= 0x7fffffff ? v >>> 1 : Math.floor(v / 2);
  out.dstPort = dstPort;
  if (v & 1) {
    out.srcPort = dstPort;
    return packedEnd;
  }
  const src = packedAt(plaintext, packedEnd);
  if (src < 0) return -1;
  out.srcPort = src;
  return packedEnd;
}

function checkPort(p: number): void {
  // (an int32 >= 0 is a valid port: no Number.isInteger call per datagram)
  if ((p | 0) !== p || p < 0) throw new WireError(`invalid MDP port ${p}`);
}

export function encodePorts(w: ByteWriter, dstPort: number, srcPort: number): void {
  checkPort(dstPort);
  checkPort(srcPort);
  if (dstPort === srcPort) {
    writePacked(w, dstPort * 2 + 1);
  } else {
    writePacked(w, dstPort * 2);
    writePacked(w, srcPort);
  }
}

export function portsLength(dstPort: number, srcPort: number): number {
  return dstPort === srcPort
    ? packedLength(dstPort * 2 + 1)
    : packedLength(dstPort * 2) + packedLength(srcPort);
}
