// A tunnel process (`msp listen|connect --forward`) tells the daemon how many
// streams it has open and how many bytes they carried: a TUNNEL_REPORT local
// command (src/daemon/tunnel-table.ts) on a client socket of its own, at once
// when the stream count changes (at most every MIN_GAP_MS) and every
// REPORT_INTERVAL_MS as a heartbeat. Closing says goodbye, which drops the
// entry; a daemon restart is survived by opening a new socket at the next
// report. Clock and client factory passed in (unit-tested under Node).
import { MdpClient, MdpClientError, SID_ANY } from "./mdp-client.js";
import type { Clock } from "../platform/deadline-timer.js";
import { MDP_TUNNEL_REPORT } from "../wire/client-header.js";
import { encodeTunnelReport, REPORT_INTERVAL_MS, type TunnelStatus } from "../daemon/tunnel-table.js";

const MIN_GAP_MS = 200;

export type TunnelIdentity = Pick<TunnelStatus, "mode" | "mdpPort" | "tcpPort" | "service" | "sid" | "pid">;
export type TunnelCounts = Pick<TunnelStatus, "streams" | "streamsTotal" | "bytesIn" | "bytesOut">;

export class TunnelReporter {
  private client: MdpClient | undefined;
  private heartbeat: unknown;
  private soon: unknown;
  private lastAt = -Infinity;
  private lastStreams = -1;
  private stopped = false;
  /** Reports sent, and refused by the daemon (an ERROR reply: malformed, or its table is full). */
  sent = 0;
  refused = 0;
  /** Called once, the first time the daemon refuses a report. */
  onRefused: (() => void) | undefined;

  constructor(
    private readonly open: () => MdpClient,
    private readonly clock: Clock,
    private readonly id: TunnelIdentity,
    private readonly counts: () => TunnelCounts,
  ) {}

  start(): void {
    const beat = () => {
      if (this.stopped) return;
      this.send();
      this.heartbeat = this.clock.setTimeout(beat, REPORT_INTERVAL_MS);
    };
    beat();
  }

  /** Something changed: report now if the stream count did (rate-limited). */
  changed(): void {
    if (this.stopped || this.counts().streams === this.lastStreams || this.soon !== undefined) return;
    const wait = this.lastAt + MIN_GAP_MS - this.clock.now();
    if (wait <= 0) return this.send();
    this.soon = this.clock.setTimeout(() => {
      this.soon = undefined;
      if (!this.stopped) this.send();
    }, wait);
  }

  /** Stop reporting; the goodbye drops this tunnel from the daemon's table. */
  stop(): void {
    this.stopped = true;
    if (this.heartbeat !== undefined) this.clock.clearTimeout(this.heartbeat);
    if (this.soon !== undefined) this.clock.clearTimeout(this.soon);
    this.client?.close();
    this.client = undefined;
  }

  private send(): void {
    const c = this.counts();
    this.lastAt = this.clock.now();
    this.lastStreams = c.streams;
    const text = encodeTunnelReport({ ...this.id, ...c });
    const payload = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) payload[i] = text.charCodeAt(i) & 0x7f; // ASCII: names and SIDs are checked
    try {
      if (!this.client) {
        const client = this.open();
        client.onError = () => {
          if (this.refused++ === 0) this.onRefused?.();
        };
        this.client = client;
      }
      const rc = this.client.trySendRaw({
        localSid: SID_ANY, localPort: 0, remoteSid: SID_ANY, remotePort: MDP_TUNNEL_REPORT, flags: 0, qos: 0, ttl: 0,
      }, payload);
      if (rc === 0) this.sent++;
    } catch (e) {
      // No daemon (stopped, or restarting): a new socket at the next report.
      if (!(e instanceof MdpClientError)) throw e;
      this.client?.close();
      this.client = undefined;
    }
  }
}
