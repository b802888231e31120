// Tunables of one MSP connection. Defaults marked "Serval" are wire behaviour
// a Serval DNA peer relies on; the rest are ours (Serval DNA has no congestion
// control, a fixed window of 4-5 packets and resends everything every 1.5 s).

export interface MspConfig {
  /** Silence after which the connection times out (Serval: MSP_TIMEOUT 10000). */
  timeoutMs: number;
  /** Send an ack-only packet when nothing was sent for this long (Serval: 1500). */
  keepaliveMs: number;
  /** Delay of the first packet after connect, so queued data can ride on it (Serval: 10). */
  connectKickMs: number;
  /** Bytes the application may have queued (unsent + unacknowledged). */
  sendBufferBytes: number;
  /** Largest message body (Serval: MSP_MESSAGE_SIZE 1024). */
  maxBody: number;
  /** Congestion window bounds and start, in packets. */
  initialWindow: number;
  minWindow: number;
  maxWindow: number;
  /** Multiplicative decrease on a loss episode (0.5 = Reno). */
  lossBeta: number;
  /** Duplicate acks that trigger a fast retransmit. */
  dupAckThreshold: number;
  /** Retransmission timeout bounds (RFC 6298 style estimator). */
  initialRtoMs: number;
  minRtoMs: number;
  maxRtoMs: number;
  /** Out-of-order/unconsumed packets buffered by the receiver; later ones are dropped. */
  receiveWindow: number;
  /** Acknowledge after this many new in-order packets, or after ackDelayMs.
   * 4, not 2: each ack-only packet costs both daemons a whole packet's worth of
   * work (route, seal, per-hop ACK, decode): every 4 took the 1-hop tunnel from
   * ~390 to ~295 ms of CPU per MiB on x86_64 (BENCHMARKS.md, issue 11). A Serval
   * DNA sender (window of 4) still gets its ack when its 4th packet is consumed;
   * a window below 4 (ours after losses) waits ackDelayMs per window. */
  ackEvery: number;
  ackDelayMs: number;
  /** Acknowledge after this many packets arrived out of order or repeated (each
   * ack hints the newest), or after ackDelayMs. */
  hintEvery: number;
}

export const DEFAULT_MSP_CONFIG: Readonly<MspConfig> = {
  timeoutMs: 10000,
  keepaliveMs: 1500,
  connectKickMs: 10,
  sendBufferBytes: 192 * 1024,
  maxBody: 1024,
  initialWindow: 4,
  minWindow: 2,
  maxWindow: 128,
  lossBeta: 0.7,
  dupAckThreshold: 3,
  initialRtoMs: 1000,
  minRtoMs: 200,
  maxRtoMs: 3000,
  receiveWindow: 256,
  ackEvery: 4,
  ackDelayMs: 5,
  hintEvery: 4,
};

export function mspConfig(overrides?: Partial<MspConfig>): MspConfig {
  return { ...DEFAULT_MSP_CONFIG, ...overrides };
}
