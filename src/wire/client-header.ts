// Local MDP client protocol v2 (PROTOCOL.md 7.2): each datagram = 75-byte packed
// header + payload, the one codec for the daemon's client server and the
// client library:
//   0 local.sid(32) | 32 local.port u32 | 36 remote.sid(32) | 68 remote.port u32 | 72 flags | 73 qos | 74 ttl
// The ports are in HOST byte order (a C struct on the wire): the host's order
// is detected once at load, so a big-endian MIPS build talks to Serval DNA's
// C clients on the same machine.
// Also the route-table report record (PROTOCOL.md 7.5) sent to clients of port 5.

export const MDP_HEADER_LEN = 75;
/** Largest payload the daemon reads from a client after the header. */
export const MDP_MAX_CLIENT_PAYLOAD = 1400;

export const MDP_FLAG_NO_CRYPT = 0x01;
export const MDP_FLAG_NO_SIGN = 0x02;
export const MDP_FLAG_BIND = 0x04;
export const MDP_FLAG_CLOSE = 0x08;
export const MDP_FLAG_ERROR = 0x10;
export const MDP_FLAG_REUSE = 0x20;

/** Local commands: remote.sid = SID_ANY, remote.port = one of these (PROTOCOL.md 7.3). */
export const MDP_LISTEN = 0;
export const MDP_IDENTITY = 1;
export const MDP_SEARCH_IDS = 2;
export const MDP_SYNC_CONFIG = 3;
export const MDP_INTERFACE = 4;
export const MDP_ROUTE_TABLE = 5;
export const MDP_SYNC_RHIZOME = 6;
/** Ours, not Serval DNA's (which answers ERROR): the daemon's status as JSON in
 * chunks, then CLOSE (`servald status --json`); a tunnel process's report of its
 * open streams (no reply unless refused). See src/daemon/tunnel-table.ts. */
export const MDP_DAEMON_STATUS = 0x5300;
export const MDP_TUNNEL_REPORT = 0x5301;

export const MDP_INTERFACE_UP = 0;
export const MDP_INTERFACE_DOWN = 1;
export const MDP_INTERFACE_RECV = 2;
export const MDP_INTERFACE_PEER = 3;

export interface MdpHeader {
  localSid: Uint8Array; // 32
  localPort: number;
  remoteSid: Uint8Array; // 32
  remotePort: number;
  flags: number;
  qos: number;
  ttl: number;
}

/** True when this machine stores integers little-endian (x86, ARM, mipsel); false on MIPS big-endian. */
export const HOST_LITTLE_ENDIAN: boolean = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

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

/** Write `h` into the first 75 bytes of `out` (a reused buffer on the data path). */
export function writeMdpHeader(h: MdpHeader, out: Uint8Array): void {
  // (no subarray unless needed: each costs an object on the per-packet path)
  out.set(h.localSid.length === 32 ? h.localSid : h.localSid.subarray(0, 32), 0);
  writeU32(out, 32, h.localPort);
  out.set(h.remoteSid.length === 32 ? h.remoteSid : h.remoteSid.subarray(0, 32), 36);
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

// ---- route table report (PROTOCOL.md 7.5; Serval DNA's send_route) ----

export const REACHABLE_NONE = 0;
export const REACHABLE_SELF = 0x01;
export const REACHABLE_BROADCAST = 0x02;
export const REACHABLE_UNICAST = 0x04;
export const REACHABLE_INDIRECT = 0x08;
export const REACHABLE_ASSUMED = 0x10;
/** Any of these makes a subscriber routable. */
export const REACHABLE_ANY = REACHABLE_BROADCAST | REACHABLE_UNICAST | REACHABLE_INDIRECT;

export const ROUTE_KEY_KNOWN = 0x01;
export const ROUTE_KEY_COMBINED = 0x02;

export const INTERFACE_STATE_DOWN = 0;
export const INTERFACE_STATE_UP = 1;

export interface RouteRecord {
  sid: Uint8Array;
  /** Ed25519 public key if known. */
  signKey: Uint8Array | undefined;
  combined: boolean;
  reachable: number; // REACHABLE_* bits
  /** -1 when absent (unreachable and not an interface entry). */
  hopCount: number;
  nextHop: Uint8Array | undefined; // hopCount > 1
  priorHop: Uint8Array | undefined; // hopCount > 2
  interfaceIndex: number; // -1 when absent (hopCount > 1)
  interfaceState: number;
  interfaceName: string | undefined;
}

export function encodeRouteRecord(r: RouteRecord): Uint8Array {
  const name = r.interfaceName ?? "";
  const direct = r.hopCount >= 0 && r.hopCount <= 1;
  let len = 32 + 1 + (r.signKey ? 32 : 0) + 1;
  if (r.hopCount >= 0) {
    len += 1;
    if (!direct) len += 32 + (r.hopCount > 2 ? 32 : 0);
    else len += 2 + name.length + 1;
  }
  const out = new Uint8Array(len);
  let o = 0;
  out.set(r.sid, o); o += 32;
  out[o++] = (r.signKey ? ROUTE_KEY_KNOWN : 0) | (r.combined ? ROUTE_KEY_COMBINED : 0);
  if (r.signKey) { out.set(r.signKey, o); o += 32; }
  out[o++] = r.reachable;
  if (r.hopCount >= 0) {
    out[o++] = r.hopCount;
    if (!direct) {
      out.set(r.nextHop ?? new Uint8Array(32), o); o += 32;
      if (r.hopCount > 2) { out.set(r.priorHop ?? new Uint8Array(32), o); o += 32; }
    } else {
      out[o++] = r.interfaceIndex & 0xff;
      out[o++] = r.interfaceState;
      for (let i = 0; i < name.length; i++) out[o++] = name.charCodeAt(i) & 0xff;
      out[o++] = 0;
    }
  }
  return out;
}

/** Decode one record (copies, it outlives the datagram); undefined when truncated. */
export function decodeRouteRecord(b: Uint8Array): RouteRecord | undefined {
  let o = 0;
  if (b.length < 34) return undefined;
  const sid = b.slice(0, 32); o = 32;
  const keyFlags = b[o++];
  let signKey: Uint8Array | undefined;
  if (keyFlags & ROUTE_KEY_KNOWN) {
    if (b.length < o + 32) return undefined;
    signKey = b.slice(o, o + 32); o += 32;
  }
  if (b.length < o + 1) return undefined;
  const reachable = b[o++];
  const r: RouteRecord = {
    sid, signKey, combined: (keyFlags & ROUTE_KEY_COMBINED) !== 0, reachable, hopCount: -1,
    nextHop: undefined, priorHop: undefined, interfaceIndex: -1, interfaceState: 0, interfaceName: undefined,
  };
  // servald writes the hop count when reachable or for an interface entry; we
  // cannot tell the latter apart, so any byte left means it is there.
  if (o >= b.length) return r;
  r.hopCount = b[o++];
  if (r.hopCount > 1) {
    if (b.length < o + 32) return undefined;
    r.nextHop = b.slice(o, o + 32); o += 32;
    if (r.hopCount > 2) {
      if (b.length < o + 32) return undefined;
      r.priorHop = b.slice(o, o + 32); o += 32;
    }
  } else {
    if (b.length < o + 2) return undefined;
    r.interfaceIndex = b[o++];
    r.interfaceState = b[o++];
    let end = o;
    while (end < b.length && b[end] !== 0) end++;
    if (end >= b.length) return undefined;
    let s = "";
    for (let i = o; i < end; i++) s += String.fromCharCode(b[i]);
    r.interfaceName = s;
  }
  return r;
}
