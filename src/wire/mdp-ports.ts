// MDP message ports header (PROTOCOL.md 4.3), the start of every DATA frame's plaintext:
//   packed(dst << 1 | same) [packed(src) unless same]
// e.g. dst 512, src 300 -> 80 08 AC 02; link-state 2 -> 2 -> 05.
//
// API:
//   decodePorts(r, out?): MdpPortsRepr          reads from the cursor; reuses `out` if given
//   decodeMdpMessage(plaintext): MdpMessage     ports + data view
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
  const r = new ByteReader(plaintext);
  const p = decodePorts(r);
  return { dstPort: p.dstPort, srcPort: p.srcPort, data: plaintext.subarray(r.pos) };
}

function checkPort(p: number): void {
  // (an int32 test: 0..MDP_PORT_MAX are exactly the non-negative int32s)
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
