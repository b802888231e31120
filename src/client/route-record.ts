// Route table report records (spec 7.5): one per reply payload of the
// ROUTE_TABLE local command, as Serval DNA's `send_route` writes them.

export const REACHABLE_NONE = 0;
export const REACHABLE_SELF = 1;
export const REACHABLE_BROADCAST = 2;
export const REACHABLE_UNICAST = 4;
export const REACHABLE_INDIRECT = 8;
/** Any of these makes a subscriber routable. */
export const REACHABLE_ANY = REACHABLE_BROADCAST | REACHABLE_UNICAST | REACHABLE_INDIRECT;

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
    if (r.hopCount > 1) len += 32 + (r.hopCount > 2 ? 32 : 0);
    else len += 2 + name.length + 1;
  }
  const out = new Uint8Array(len);
  let o = 0;
  out.set(r.sid, o); o += 32;
  out[o++] = (r.signKey ? 1 : 0) | (r.combined ? 2 : 0);
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

/** Decode one record; undefined when truncated. */
export function decodeRouteRecord(b: Uint8Array): RouteRecord | undefined {
  let o = 0;
  if (b.length < 34) return undefined;
  const sid = b.slice(0, 32); o = 32;
  const keyFlags = b[o++];
  let signKey: Uint8Array | undefined;
  if (keyFlags & 1) {
    if (b.length < o + 32) return undefined;
    signKey = b.slice(o, o + 32); o += 32;
  }
  if (b.length < o + 1) return undefined;
  const reachable = b[o++];
  const r: RouteRecord = {
    sid, signKey, combined: (keyFlags & 2) !== 0, reachable, hopCount: -1,
    nextHop: undefined, priorHop: undefined, interfaceIndex: -1, interfaceState: 0, interfaceName: undefined,
  };
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
