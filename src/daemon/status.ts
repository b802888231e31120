// The answer to `servald status --json` (the DAEMON_STATUS local command),
// built from the daemon's existing counters: the overlay's MeshStats
// (src/mdp/stats.ts), the driver's, the client server's and client queues',
// per-interface counters (interfaces.ts) and the tunnel table. Pure: the
// daemon passes everything in. Bounded: at most MAX_INTERFACES interfaces,
// STATUS_NEIGHBOURS_MAX neighbours and TUNNEL_TABLE_MAX tunnels listed (all
// counted; daemon-hosted tunnels first), so the JSON stays under STATUS_MAX_BYTES (a unit test checks the
// worst case). Field names are snake_case and documented in README.
import type { RouteRecord } from "../wire/client-header.js";
import { toHex } from "../wire/bytes.js";
import type { CoreStatus } from "./mesh-core.js";
import type { InterfaceCounters } from "./interfaces.js";
import { TUNNEL_TABLE_MAX, tunnelJson, type TunnelStatus } from "./tunnel-table.js";

export const STATUS_NEIGHBOURS_MAX = 32;
export const STATUS_MAX_BYTES = 24 * 1024;

export interface StatusInterface {
  index: number;
  name: string;
  /** "a.b.c.d:port" bound, and the broadcast address. */
  address: string;
  broadcast: string;
  counters: InterfaceCounters;
}

export interface StatusInput {
  version: string;
  pid: number;
  /** Seconds since the daemon started. */
  uptime: number;
  identities: Uint8Array[];
  interfaces: StatusInterface[];
  /** Reachable routes, as the ROUTE_TABLE command reports them (self excluded). */
  routes: RouteRecord[];
  core: CoreStatus | undefined;
  /** Drops and counters of the daemon's own layers (name -> value). */
  daemon: Record<string, number>;
  clients: { clients: number; bindings: number; held: number; dropped: number; stuck: number; errors: number; dead: number; anonymous: number };
  tunnels: TunnelStatus[];
  tunnelTable: { size: number; reports: number; badReports: number; fullDrops: number; expired: number };
}

/** MeshStats counters that count something dropped, by reason (status "drops"). */
const DROP_REASONS: [string, string][] = [
  ["malformed_packets", "packetsDropped"], ["duplicate_packets", "duplicatePackets"],
  ["unknown_transmitter", "unknownTransmitter"], ["duplicate_frames", "duplicateFrames"],
  ["frames_dropped", "framesDropped"], ["ttl_expired", "ttlExpired"], ["retry_cap", "retryDrops"],
  ["no_route", "noRouteDrops"], ["queue_full", "queueDrops"], ["transmit_queue_full", "transmitDrops"],
  ["oversize_packets", "oversizePackets"], ["delivery_queue_full", "deliveryDrops"], ["unbound_port", "unboundDrops"],
  ["crypto_failures", "cryptoFailures"], ["send_failures", "sendFailures"],
];

function snake(k: string): string {
  return k.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}

export function statusJson(s: StatusInput): Record<string, unknown> {
  const counters: Record<string, number> = {};
  const c = s.core?.counters ?? {};
  for (const k of Object.keys(c)) counters[snake(k)] = c[k];
  const drops: Record<string, number> = {};
  for (const [name, k] of DROP_REASONS) drops[name] = c[k] ?? 0;
  for (const k of Object.keys(s.daemon)) drops[k] = s.daemon[k];
  drops.client_queue_full = s.clients.dropped;
  const neighbours = s.routes.filter((r) => r.hopCount === 1);
  const tables: Record<string, { size: number; max: number }> = { ...(s.core?.tables ?? {}) };
  tables.tunnels = { size: s.tunnelTable.size, max: TUNNEL_TABLE_MAX };
  return {
    running: true,
    version: s.version,
    pid: s.pid,
    uptime: s.uptime,
    sid: s.identities.length ? toHex(s.identities[0]) : null,
    identities: s.identities.length,
    interfaces: s.interfaces.map((i) => ({
      name: i.name, index: i.index, address: i.address, broadcast: i.broadcast,
      rx_packets: i.counters.rxPackets, rx_bytes: i.counters.rxBytes,
      tx_packets: i.counters.txPackets, tx_bytes: i.counters.txBytes, tx_failed: i.counters.txFailed,
    })),
    neighbours: neighbours.length,
    neighbour_list: neighbours.slice(0, STATUS_NEIGHBOURS_MAX).map((r) => ({ sid: toHex(r.sid), interface: r.interfaceName ?? null })),
    routes: s.routes.length,
    drops,
    counters,
    tables,
    clients: s.clients,
    tunnel_reports: { reports: s.tunnelTable.reports, refused: s.tunnelTable.badReports + s.tunnelTable.fullDrops, expired: s.tunnelTable.expired },
    tunnels_total: s.tunnels.length,
    tunnels: s.tunnels.slice(0, TUNNEL_TABLE_MAX).map(tunnelJson),
  };
}
