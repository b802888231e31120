// Text and JSON forms of `servald route print` and `servald id peers`,
// matching Serval DNA's CLI tables (cli_stdio.c: column count line, header
// line with ':' between names, one row per record).
import {
  REACHABLE_ANY, REACHABLE_BROADCAST, REACHABLE_INDIRECT, REACHABLE_NONE, REACHABLE_SELF, REACHABLE_UNICAST, RouteRecord,
} from "../wire/client-header.js";
import { toHex } from "../wire/bytes.js";

export function reachableName(r: number): string {
  switch (r) {
    case REACHABLE_NONE: return "UNREACHABLE";
    case REACHABLE_SELF: return "SELF";
    case REACHABLE_BROADCAST: return "BROADCAST";
    case REACHABLE_UNICAST: return "UNICAST";
    case REACHABLE_INDIRECT: return "INDIRECT";
    default: return String(r);
  }
}

/** A Serval CLI table: column count, header, rows. */
export function table(columns: string[], rows: string[][]): string {
  let out = `${columns.length}\n${columns.join(":")}\n`;
  for (const r of rows) out += r.join(":") + "\n";
  return out;
}

export function routeTableText(records: RouteRecord[]): string {
  return table(
    ["Subscriber id", "Routing flags", "Interface", "Next hop", "Prior hop"],
    records.map((r) => [
      toHex(r.sid), reachableName(r.reachable), r.interfaceName ?? "",
      r.nextHop ? toHex(r.nextHop) : "", r.priorHop ? toHex(r.priorHop) : "",
    ]),
  );
}

export interface RouteJson {
  sid: string;
  flags: string;
  hops: number | null;
  interface: string | null;
  next_hop: string | null;
  prior_hop: string | null;
  sign_key: string | null;
}

export function routeJson(r: RouteRecord): RouteJson {
  return {
    sid: toHex(r.sid),
    flags: reachableName(r.reachable),
    hops: r.hopCount >= 0 ? r.hopCount : null,
    interface: r.interfaceName ?? null,
    next_hop: r.nextHop ? toHex(r.nextHop) : null,
    prior_hop: r.priorHop ? toHex(r.priorHop) : null,
    sign_key: r.signKey ? toHex(r.signKey) : null,
  };
}

/** Routable peers (not SELF), each once, in report order. */
export function routablePeers(records: RouteRecord[]): RouteRecord[] {
  const seen = new Set<string>();
  const out: RouteRecord[] = [];
  for (const r of records) {
    if ((r.reachable & REACHABLE_SELF) || (r.reachable & REACHABLE_ANY) === 0) continue;
    const k = toHex(r.sid);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(r);
  }
  return out;
}
