// UDP measurement helper built on udp-probe.c: datagrams sent from one node,
// counted at another (unicast or subnet broadcast).
import type { Lab } from "./lab";
import { helperBinary, sleep } from "./sys";

export interface UdpProbeResult {
  /** Datagrams the sender's sendto() accepted. */
  sent: number;
  /** sendto() failures (errno name -> count); loss must never show up here. */
  sendErrors: number;
  errorCodes: Record<string, number>;
  /** Distinct datagrams that arrived. */
  received: number;
  /** Datagrams the receiving namespace dropped because the socket buffer was full (should be 0). */
  rcvbufErrors: number;
}

export interface UdpProbeOpts {
  from: string;
  receiver: string;
  /** Destination address (a subnet broadcast address needs broadcast: true). */
  to: string;
  count: number;
  port?: number;
  /** Bytes per datagram (>= 4: a sequence number comes first); default 200. */
  size?: number;
  /** `burst` datagrams every `intervalMs` (default 4 per 1 ms, paced so the receiver's backlog never overflows); intervalMs 0 = all at once. */
  intervalMs?: number;
  burst?: number;
  broadcast?: boolean;
  /** How long to wait for stragglers after the last send; default 500 ms. */
  graceMs?: number;
}

/** Sends `count` numbered datagrams from `from` to `to` and counts the distinct ones arriving at `receiver`. */
export async function udpProbe(lab: Lab, opts: UdpProbeOpts): Promise<UdpProbeResult> {
  const bin = helperBinary("udp-probe");
  const port = String(opts.port ?? 4999);
  const intervalMs = opts.intervalMs ?? 1;
  const burst = opts.burst ?? 4;
  const sendMs = (opts.count / burst) * intervalMs;
  const recv = lab.spawn(opts.receiver, bin, ["recv", port, String(opts.count), String(Math.round(sendMs * 3 + 30_000))]);
  try {
    await recv.waitFor(/^ready/m, { stream: "stdout" });
    const args = ["send", opts.to, port, String(opts.count), String(opts.size ?? 200), String(Math.round(intervalMs * 1000)), String(burst)];
    if (opts.broadcast) args.push("broadcast");
    const s = await lab.exec(opts.from, bin, args, { timeoutMs: sendMs * 3 + 10_000 });
    const sent = JSON.parse(s.stdout.trim()) as { sent: number; errors: number; errorCodes: Record<string, number> };
    // Let stragglers arrive, then ask the receiver for its count (it prints on SIGTERM).
    await Promise.race([recv.exited, sleep(opts.graceMs ?? 500)]);
    if (recv.running) process.kill(recv.pid, "SIGTERM");
    await recv.exited;
    const got = JSON.parse(recv.stdout.trim().split("\n").pop() ?? "{}") as { distinct: number; rcvbufErrors: number };
    return { sent: sent.sent, sendErrors: sent.errors, errorCodes: sent.errorCodes, received: got.distinct, rcvbufErrors: got.rcvbufErrors };
  } finally {
    await recv.kill();
  }
}
