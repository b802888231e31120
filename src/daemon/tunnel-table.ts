// The daemon's table of tunnels and their open streams, for `servald status
// --json`. Two kinds of entry, one shape (TunnelStatus):
//  - reported: an `msp listen|connect --forward` process sends a TUNNEL_REPORT
//    local command (a small JSON object, see decodeTunnelReport) on its client
//    socket when its stream count changes and every REPORT_INTERVAL_MS; the
//    entry is keyed by that client's socket address, dropped when the client
//    says goodbye or is found gone, and expires when no report came for
//    REPORT_EXPIRE_MS (a process killed with SIGKILL says nothing);
//  - hosted: a tunnel run inside the daemon registers a getter under its own
//    key (`host(key, get)`), is read live at status time, never expires, and
//    is removed with `remove(key)` when it stops.
// Bounded: at most TUNNEL_TABLE_MAX entries; a report beyond that is refused
// (counted), hosted tunnels always fit (they are the daemon's own config).
// Sans-I/O: time is passed in.

export type TunnelMode = "listen" | "connect";

/** One tunnel's status: what a process reports and what a daemon-hosted tunnel returns. */
export interface TunnelStatus {
  /** UCI section name, when known (daemon-hosted tunnels; processes may leave it out). */
  name?: string;
  mode: TunnelMode;
  /** MDP port listened on (listen) or connected to (connect). */
  mdpPort: number;
  /** 127.0.0.1 TCP port forwarded to (listen) or listened on (connect). */
  tcpPort: number;
  /** Service name announced (listen --service). */
  service?: string;
  /** Remote SID, hex (connect). */
  sid?: string;
  /** Process id of a reporting process (absent for daemon-hosted tunnels). */
  pid?: number;
  /** Streams open now. */
  streams: number;
  /** Streams opened since the tunnel started. */
  streamsTotal: number;
  /** Bytes from the mesh to the TCP side, and from the TCP side to the mesh. */
  bytesIn: number;
  bytesOut: number;
}

export const TUNNEL_TABLE_MAX = 32;
/** How often a tunnel process reports while nothing changes (a heartbeat). */
export const REPORT_INTERVAL_MS = 5000;
/** A reported entry not refreshed for this long is dropped (three missed reports). */
export const REPORT_EXPIRE_MS = 3 * REPORT_INTERVAL_MS + 1000;
/** Largest report payload accepted. */
export const REPORT_MAX_BYTES = 512;

const NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/;
const SID_RE = /^[0-9A-F]{64}$/;

export interface TunnelTableStats {
  reports: number;
  /** Reports refused: malformed, or the table was full. */
  badReports: number;
  fullDrops: number;
  expired: number;
}

interface Entry {
  status: TunnelStatus | undefined;
  get: (() => TunnelStatus) | undefined;
  at: number;
}

export class TunnelTable {
  private readonly entries = new Map<string, Entry>();
  readonly stats: TunnelTableStats = { reports: 0, badReports: 0, fullDrops: 0, expired: 0 };

  /** A report payload from client `key`; false when refused (malformed or table full). */
  report(now: number, key: string, payload: Uint8Array): boolean {
    const s = decodeTunnelReport(payload);
    if (!s) {
      this.stats.badReports++;
      return false;
    }
    const e = this.entries.get(key);
    if (e && e.get === undefined) {
      e.status = s;
      e.at = now;
    } else if (e) {
      this.stats.badReports++; // a client may not overwrite a hosted tunnel's key
      return false;
    } else {
      this.expire(now);
      if (this.reportedCount() >= TUNNEL_TABLE_MAX) {
        this.stats.fullDrops++;
        return false;
      }
      this.entries.set(key, { status: s, get: undefined, at: now });
    }
    this.stats.reports++;
    return true;
  }

  /** Register a daemon-hosted tunnel: `get` is called at status time. Replaces an entry of the same key. */
  host(key: string, get: () => TunnelStatus): void {
    this.entries.set(key, { status: undefined, get, at: 0 });
  }

  /** A client went away, or a hosted tunnel stopped. */
  remove(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Every live tunnel, hosted first then by mode and MDP port (expired reports dropped). */
  list(now: number): TunnelStatus[] {
    this.expire(now);
    const out: TunnelStatus[] = [];
    for (const e of this.entries.values()) {
      if (e.get) {
        try {
          out.push(e.get());
        } catch {
          // a hosted tunnel that cannot say how it is: left out rather than failing the status
        }
      } else if (e.status) out.push(e.status);
    }
    return out.sort((a, b) => (a.pid === undefined ? 0 : 1) - (b.pid === undefined ? 0 : 1)
      || a.mode.localeCompare(b.mode) || a.mdpPort - b.mdpPort || a.tcpPort - b.tcpPort);
  }

  private reportedCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (!e.get) n++;
    return n;
  }

  private expire(now: number): void {
    for (const [k, e] of this.entries) {
      if (!e.get && now - e.at > REPORT_EXPIRE_MS) {
        this.entries.delete(k);
        this.stats.expired++;
      }
    }
  }
}

function count(v: unknown, max = Number.MAX_SAFE_INTEGER): number | undefined {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max ? v : undefined;
}

/** The report a tunnel process sends (JSON, at most REPORT_MAX_BYTES):
 * {"mode":"listen"|"connect","mdp_port":N,"tcp_port":N,"service"?:S,"sid"?:HEX,"name"?:S,"pid":N,
 *  "streams":N,"streams_total":N,"bytes_in":N,"bytes_out":N}. undefined when malformed. */
export function decodeTunnelReport(payload: Uint8Array): TunnelStatus | undefined {
  if (payload.length === 0 || payload.length > REPORT_MAX_BYTES) return undefined;
  let o: unknown;
  try {
    let text = "";
    for (let i = 0; i < payload.length; i++) {
      if (payload[i] > 0x7e || payload[i] < 0x20) return undefined; // printable ASCII only
      text += String.fromCharCode(payload[i]);
    }
    o = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof o !== "object" || o === null || Array.isArray(o)) return undefined;
  const r = o as Record<string, unknown>;
  const mode = r.mode === "listen" || r.mode === "connect" ? r.mode : undefined;
  const mdpPort = count(r.mdp_port, 0xffffffff);
  const tcpPort = count(r.tcp_port, 65535);
  const pid = count(r.pid, 0x7fffffff);
  const streams = count(r.streams), streamsTotal = count(r.streams_total);
  const bytesIn = count(r.bytes_in), bytesOut = count(r.bytes_out);
  if (mode === undefined || mdpPort === undefined || mdpPort === 0 || tcpPort === undefined || pid === undefined
    || streams === undefined || streamsTotal === undefined || bytesIn === undefined || bytesOut === undefined) return undefined;
  const s: TunnelStatus = { mode, mdpPort, tcpPort, pid, streams, streamsTotal, bytesIn, bytesOut };
  for (const k of ["service", "name"] as const) {
    const v = r[k];
    if (v === undefined) continue;
    if (typeof v !== "string" || !NAME_RE.test(v)) return undefined;
    s[k] = v;
  }
  if (r.sid !== undefined) {
    if (typeof r.sid !== "string" || !SID_RE.test(r.sid)) return undefined;
    s.sid = r.sid;
  }
  return s;
}

/** The report for `s` (the inverse of decodeTunnelReport). */
export function encodeTunnelReport(s: TunnelStatus): string {
  return JSON.stringify({
    mode: s.mode, mdp_port: s.mdpPort, tcp_port: s.tcpPort, service: s.service, sid: s.sid, name: s.name, pid: s.pid,
    streams: s.streams, streams_total: s.streamsTotal, bytes_in: s.bytesIn, bytes_out: s.bytesOut,
  });
}

/** A tunnel as `status --json` shows it (snake_case, stable field names). */
export function tunnelJson(s: TunnelStatus): Record<string, unknown> {
  return {
    name: s.name ?? null, mode: s.mode, mdp_port: s.mdpPort, tcp_port: s.tcpPort, service: s.service ?? null,
    sid: s.sid ?? null, pid: s.pid ?? null, hosted: s.pid === undefined,
    streams: s.streams, streams_total: s.streamsTotal, bytes_in: s.bytesIn, bytes_out: s.bytesOut,
  };
}
