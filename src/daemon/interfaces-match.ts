// Which network interfaces the daemon uses: `interfaces.N.match` glob lists
// from the config (Serval DNA's keys), applied to the enumerated IPv4
// addresses. Pure, so it is unit-tested under Node.
import { ipv4Parse } from "../platform/ipv4.js";

export const DEFAULT_PORT = 4110;

export interface InterfaceRule {
  /** Glob patterns (`*`, `?`, `[...]`), any of which selects an interface name. */
  match: string[];
  /** true: matching interfaces are excluded (interfaces.N.exclude). */
  exclude: boolean;
  port: number;
}

/** One IPv4 address of an interface, as the platform enumerates them. */
export interface SystemInterface {
  name: string;
  addr: string;
  netmask: string;
  broadcast: string;
  up: boolean;
  running?: boolean;
  loopback: boolean;
}

export interface SelectedInterface {
  name: string;
  addr: number; // host-order IPv4
  netmask: number;
  broadcast: number;
  port: number;
}

/** fnmatch-style glob: `*` any run, `?` one char, `[abc]`/`[a-z]`/`[!x]` classes. */
export function globMatch(pattern: string, name: string): boolean {
  return matchAt(pattern, 0, name, 0);
}

function matchAt(p: string, pi: number, s: string, si: number): boolean {
  while (pi < p.length) {
    const c = p[pi];
    if (c === "*") {
      while (p[pi] === "*") pi++;
      if (pi === p.length) return true;
      for (let k = si; k <= s.length; k++) if (matchAt(p, pi, s, k)) return true;
      return false;
    }
    if (si >= s.length) return false;
    if (c === "?") { pi++; si++; continue; }
    if (c === "[") {
      const end = p.indexOf("]", pi + 2);
      if (end > 0) {
        let body = p.slice(pi + 1, end);
        const negate = body[0] === "!" || body[0] === "^";
        if (negate) body = body.slice(1);
        let hit = false;
        for (let i = 0; i < body.length; i++) {
          if (body[i + 1] === "-" && i + 2 < body.length) {
            if (s[si] >= body[i] && s[si] <= body[i + 2]) hit = true;
            i += 2;
          } else if (body[i] === s[si]) hit = true;
        }
        if (hit === negate) return false;
        pi = end + 1; si++;
        continue;
      }
    }
    if (c !== s[si]) return false;
    pi++; si++;
  }
  return si === s.length;
}

/** Is `addr` in the subnet of (ifAddr, netmask)? (int32 addresses, ipv4.ts) */
export function inSubnet(addr: number, ifAddr: number, netmask: number): boolean {
  return (addr & netmask) === (ifAddr & netmask);
}

/** Apply the rules in order (first rule whose pattern matches decides) to the
 * system's interfaces; only up, broadcast-capable IPv4 interfaces qualify.
 * Carrier (IFF_RUNNING) is not required, as in Serval DNA: a fresh veth or
 * radio reports it up to ~1 s late, and skipping it cost a 5 s rescan.
 * One entry per interface name (its first IPv4 address). */
export function selectInterfaces(rules: InterfaceRule[], system: SystemInterface[]): SelectedInterface[] {
  const out: SelectedInterface[] = [];
  const seen = new Set<string>();
  for (const itf of system) {
    if (seen.has(itf.name) || !itf.up) continue;
    const rule = rules.find((r) => r.match.some((p) => globMatch(p, itf.name)));
    if (!rule || rule.exclude) continue;
    const addr = ipv4Parse(itf.addr);
    const netmask = ipv4Parse(itf.netmask);
    const broadcast = ipv4Parse(itf.broadcast);
    if (addr === null || netmask === null || !broadcast) continue;
    seen.add(itf.name);
    out.push({ name: itf.name, addr, netmask, broadcast, port: rule.port });
  }
  return out;
}

/** Rules from flat config keys (`interfaces.1.match=eth*,vA*`, `interfaces.1.port=4110`,
 * `interfaces.1.exclude=true`), ordered by N. */
export function rulesFromConfig(entries: Iterable<[string, string]>): InterfaceRule[] {
  const byN = new Map<number, InterfaceRule>();
  for (const [key, value] of entries) {
    const m = /^interfaces\.(\d+)\.(match|port|exclude)$/.exec(key);
    if (!m) continue;
    const n = Number(m[1]);
    let r = byN.get(n);
    if (!r) { r = { match: [], exclude: false, port: DEFAULT_PORT }; byN.set(n, r); }
    if (m[2] === "match") r.match = value.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
    else if (m[2] === "port") r.port = Number(value);
    else r.exclude = /^(1|true|yes|on)$/i.test(value);
  }
  return [...byN.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
}
