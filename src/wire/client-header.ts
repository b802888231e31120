// Local MDP client protocol v2 (spec 7.2): each datagram = 75-byte packed header + payload.
//   0 local.sid(32) | 32 local.port u32 | 36 remote.sid(32) | 68 remote.port u32 | 72 flags | 73 qos | 74 ttl
// Ports are host order; every target we run on is little-endian, so LE here.
// Also the route-table report record (spec 7.5) sent to clients of port 5.
//
// API:
//   decodeClientHeader(datagram): ClientHeaderRepr     throws WireError if < 75 bytes; payload is a view
//   encodeClientHeader(w, h)                            writes the 75 header bytes only
//   decodeRouteRecord(data): RouteRecordRepr   encodeRouteRecord(w, rec)
//   MDP_FLAG_*, MDP_IDENTITY..MDP_SYNC_RHIZOME, REACHABLE_*

import type { Sid } from "./types";
import { ByteReader, ByteWriter, WireError } from "./bytes";

export const CLIENT_HEADER_BYTES = 75;
/** The daemon reads at most this many payload bytes after the header. */
export const CLIENT_MAX_PAYLOAD = 1400;

export const MDP_FLAG_NO_CRYPT = 0x01;
export const MDP_FLAG_NO_SIGN = 0x02;
export const MDP_FLAG_BIND = 0x04;
export const MDP_FLAG_CLOSE = 0x08;
export const MDP_FLAG_ERROR = 0x10;
export const MDP_FLAG_REUSE = 0x20;

/** Local commands: remote.sid = SID_ANY, remote.port = one of these (spec 7.3). */
export const MDP_LISTEN = 0;
export const MDP_IDENTITY = 1;
export const MDP_SEARCH_IDS = 2;
export const MDP_SYNC_CONFIG = 3;
export const MDP_INTERFACE = 4;
export const MDP_ROUTE_TABLE = 5;
export const MDP_SYNC_RHIZOME = 6;

export const MDP_INTERFACE_UP = 0;
export const MDP_INTERFACE_DOWN = 1;
export const MDP_INTERFACE_RECV = 2;
export const MDP_INTERFACE_PEER = 3;

export interface ClientHeaderRepr {
  localSid: Sid;
  localPort: number;
  remoteSid: Sid;
  remotePort: number;
  flags: number;
  qos: number;
  ttl: number;
  /** Bytes after the header (view); ignored by encodeClientHeader. */
  payload: Uint8Array;
}

export function decodeClientHeader(datagram: Uint8Array): ClientHeaderRepr {
  if (datagram.length < CLIENT_HEADER_BYTES) {
    throw new WireError(`client datagram of ${datagram.length} bytes is shorter than the 75-byte header`);
  }
  const r = new ByteReader(datagram);
  const localSid = r.bytes(32);
  const localPort = r.u32le();
  const remoteSid = r.bytes(32);
  const remotePort = r.u32le();
  const flags = r.u8();
  const qos = r.u8();
  const ttl = r.u8();
  return { localSid, localPort, remoteSid, remotePort, flags, qos, ttl, payload: datagram.subarray(CLIENT_HEADER_BYTES) };
}

export function encodeClientHeader(w: ByteWriter, h: ClientHeaderRepr): void {
  if (h.localSid.length !== 32 || h.remoteSid.length !== 32) throw new WireError("client header SIDs must be 32 bytes");
  w.bytes(h.localSid);
  w.u32le(h.localPort >>> 0);
  w.bytes(h.remoteSid);
  w.u32le(h.remotePort >>> 0);
  w.u8(h.flags);
  w.u8(h.qos);
  w.u8(h.ttl);
}

// Route table report (spec 7.5; servald send_route).
export const REACHABLE_NONE = 0;
export const REACHABLE_SELF = 0x01;
export const REACHABLE_BROADCAST = 0x02;
export const REACHABLE_UNICAST = 0x04;
export const REACHABLE_INDIRECT = 0x08;
export const REACHABLE_ASSUMED = 0x10;
export const REACHABLE = REACHABLE_BROADCAST | REACHABLE_UNICAST | REACHABLE_INDIRECT;

export const ROUTE_KEY_KNOWN = 0x01;
export const ROUTE_KEY_COMBINED = 0x02;

export interface RouteRecordRepr {
  sid: Sid;
  /** ROUTE_KEY_KNOWN | ROUTE_KEY_COMBINED; signKey is present iff KNOWN. */
  keyFlags: number;
  signKey: Uint8Array | undefined;
  reachable: number;
  /** -1 when absent (unreachable and not an interface entry). */
  hopCount: number;
  nextHop: Sid | undefined; // hopCount > 1
  priorHop: Sid | undefined; // hopCount > 2
  /** hopCount <= 1: the interface used. */
  interfaceIndex: number;
  interfaceState: number;
  interfaceName: string;
}

export function decodeRouteRecord(data: Uint8Array): RouteRecordRepr {
  const r = new ByteReader(data);
  const rec: RouteRecordRepr = {
    sid: r.bytes(32), keyFlags: 0, signKey: undefined, reachable: 0, hopCount: -1,
    nextHop: undefined, priorHop: undefined, interfaceIndex: -1, interfaceState: -1, interfaceName: "",
  };
  rec.keyFlags = r.u8();
  if (rec.keyFlags & ROUTE_KEY_KNOWN) rec.signKey = r.bytes(32);
  rec.reachable = r.u8();
  // servald writes the hop count when reachable or for an interface entry; we
  // cannot tell the latter apart, so any byte left means it is there.
  if (r.remaining() === 0) return rec;
  rec.hopCount = r.u8();
  if (rec.hopCount > 1) {
    rec.nextHop = r.bytes(32);
    if (rec.hopCount > 2) rec.priorHop = r.bytes(32);
  } else {
    rec.interfaceIndex = r.u8();
    rec.interfaceState = r.u8();
    let name = "";
    for (;;) {
      const c = r.u8();
      if (c === 0) break;
      name += String.fromCharCode(c);
    }
    rec.interfaceName = name;
  }
  return rec;
}

export function encodeRouteRecord(w: ByteWriter, rec: RouteRecordRepr): void {
  w.bytes(rec.sid);
  const keyFlags = (rec.keyFlags & ROUTE_KEY_COMBINED) | (rec.signKey ? ROUTE_KEY_KNOWN : 0);
  w.u8(keyFlags);
  if (rec.signKey) w.bytes(rec.signKey);
  w.u8(rec.reachable);
  if (rec.hopCount < 0) return;
  w.u8(rec.hopCount);
  if (rec.hopCount > 1) {
    if (!rec.nextHop || (rec.hopCount > 2 && !rec.priorHop)) throw new WireError("route record needs next/prior hop");
    w.bytes(rec.nextHop);
    if (rec.hopCount > 2) w.bytes(rec.priorHop as Sid);
  } else {
    w.u8(rec.interfaceIndex);
    w.u8(rec.interfaceState);
    for (let i = 0; i < rec.interfaceName.length; i++) w.u8(rec.interfaceName.charCodeAt(i) & 0xff);
    w.u8(0);
  }
}
