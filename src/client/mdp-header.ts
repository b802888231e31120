// Serval DNA's v2 local MDP client header (spec 7.2): 75 packed bytes,
// port fields in host byte order. Shared by the daemon's client server and
// the client library until src/wire/client-header.ts takes over.

export const MDP_HEADER_LEN = 75;

export const MDP_FLAG_NO_CRYPT = 0x01;
export const MDP_FLAG_NO_SIGN = 0x02;
export const MDP_FLAG_BIND = 0x04;
export const MDP_FLAG_CLOSE = 0x08;
export const MDP_FLAG_ERROR = 0x10;
export const MDP_FLAG_REUSE = 0x20;

/** Local command ports (remote.sid = ANY), spec 7.3. */
export const MDP_LISTEN = 0;
export const MDP_IDENTITY = 1;
export const MDP_SEARCH_IDS = 2;
export const MDP_SYNC_CONFIG = 3;
export const MDP_INTERFACE = 4;
export const MDP_ROUTE_TABLE = 5;
export const MDP_SYNC_RHIZOME = 6;

/** Largest payload the daemon reads from a client (spec 7.2). */
export const MDP_MAX_CLIENT_PAYLOAD = 1400;

export interface MdpHeader {
  localSid: Uint8Array; // 32
  localPort: number;
  remoteSid: Uint8Array; // 32
  remotePort: number;
  flags: number;
  qos: number;
  ttl: number;
}

/** True when this machine stores integers little-endian (x86, ARM, mipsel). */
export const HOST_LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function readU32(b: Uint8Array, o: number): number {
  return HOST_LITTLE_ENDIAN
    ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0
    : ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function writeU32(b: Uint8Array, o: number, v: number): void {
  if (HOST_LITTLE_ENDIAN) {
    b[o] = v; b[o + 1] = v >>> 8; b[o + 2] = v >>> 16; b[o + 3] = v >>> 24;
  } else {
    b[o] = v >>> 24; b[o + 1] = v >>> 16; b[o + 2] = v >>> 8; b[o + 3] = v;
  }
}

/** Decode the header of a message; undefined when shorter than 75 bytes.
 * The SIDs are views into `msg`; copy them if they must outlive it. */
export function decodeMdpHeader(msg: Uint8Array): MdpHeader | undefined {
  if (msg.length < MDP_HEADER_LEN) return undefined;
  return {
    localSid: msg.subarray(0, 32),
    localPort: readU32(msg, 32),
    remoteSid: msg.subarray(36, 68),
    remotePort: readU32(msg, 68),
    flags: msg[72],
    qos: msg[73],
    ttl: msg[74],
  };
}

/** Write `h` into the first 75 bytes of `out`. */
export function writeMdpHeader(h: MdpHeader, out: Uint8Array): void {
  out.set(h.localSid.subarray(0, 32), 0);
  writeU32(out, 32, h.localPort);
  out.set(h.remoteSid.subarray(0, 32), 36);
  writeU32(out, 68, h.remotePort);
  out[72] = h.flags;
  out[73] = h.qos;
  out[74] = h.ttl;
}

/** One message: header followed by payload, in a fresh buffer. */
export function encodeMdpMessage(h: MdpHeader, payload?: Uint8Array): Uint8Array {
  const out = new Uint8Array(MDP_HEADER_LEN + (payload ? payload.length : 0));
  writeMdpHeader(h, out);
  if (payload) out.set(payload, MDP_HEADER_LEN);
  return out;
}
