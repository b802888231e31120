// Pure builders for the per-direction link impairments: loss (nft, receiver
// prerouting), rate (tc tbf, sender egress) and the parameters of the delay
// helper (NFQUEUE, receiver prerouting). Kept free of I/O so they are easy to
// read and to check.

/** Loss as a fraction 0..1 (0.1) or as a percent string ("10%"). */
export type LossSpec = number | `${number}%`;

/** Impairments of one direction of a link (applied to ALL IP traffic). */
export interface DirectionOpts {
  /** Random loss, dropped at the receiving end (nft prerouting). */
  loss?: LossSpec;
  /** Rate cap in Mbit/s (tc tbf on the sending interface). */
  rateMbit?: number;
  /** tbf bucket size in KiB; default max(6 KiB, 4 ms at the rate). */
  burstKb?: number;
  /** tbf queue length expressed as time at the rate (tbf "latency"); default 50 ms. */
  queueMs?: number;
  /** Constant one-way delay in ms (NFQUEUE helper at the receiving end). */
  delayMs?: number;
}

/** Fully resolved settings of one direction. */
export interface DirectionShape {
  /** Fraction 0..1. */
  loss: number;
  /** Mbit/s, 0 = uncapped. */
  rateMbit: number;
  burstKb: number;
  queueMs: number;
  /** ms, 0 = none. */
  delayMs: number;
}

export const NO_SHAPE: DirectionShape = { loss: 0, rateMbit: 0, burstKb: 0, queueMs: 0, delayMs: 0 };

export function parseLoss(loss: LossSpec | undefined): number {
  if (loss === undefined) return 0;
  const v = typeof loss === "number" ? loss : Number(loss.slice(0, -1)) / 100;
  if (!Number.isFinite(v) || v < 0 || v > 1) throw new Error(`lab: loss must be a fraction 0..1 or "N%", got ${JSON.stringify(loss)}`);
  return v;
}

export function resolveShape(o: DirectionOpts): DirectionShape {
  const loss = parseLoss(o.loss);
  const rateMbit = o.rateMbit ?? 0;
  const delayMs = o.delayMs ?? 0;
  if (!(rateMbit >= 0) || !(delayMs >= 0)) throw new Error("lab: rateMbit and delayMs must be >= 0");
  const defaultBurstKb = Math.max(6, (rateMbit * 1e6 / 8) * 0.004 / 1024);
  return {
    loss,
    rateMbit,
    burstKb: rateMbit > 0 ? o.burstKb ?? Math.ceil(defaultBurstKb) : 0,
    queueMs: rateMbit > 0 ? o.queueMs ?? 50 : 0,
    delayMs,
  };
}

/** Drop threshold for `numgen random mod LOSS_MOD < N`. */
export const LOSS_MOD = 1_000_000;

export interface LossRule {
  iface: string;
  loss: number;
}

/**
 * Creates the loss table of a namespace (once, with the node). Its base chain
 * must never be deleted or re-created while a link delays traffic: when a
 * netfilter hook is unregistered the kernel drops every packet waiting in the
 * namespace's NFQUEUEs.
 */
export function nftLossTable(table: string): string {
  return [
    `table inet ${table} {`,
    `  chain pre {`,
    // raw priority: before conntrack and before the NFQUEUE delay (mangle), so
    // only surviving packets are delayed; prerouting sees forwarded and local traffic.
    `    type filter hook prerouting priority raw; policy accept;`,
    `  }`,
    `}`,
    "",
  ].join("\n");
}

/** Replaces the loss rules of a namespace in one nft transaction (the chain stays; counters restart). */
export function nftLossRules(table: string, rules: readonly LossRule[]): string {
  return [
    `flush chain inet ${table} pre`,
    ...rules
      .filter((r) => r.loss > 0)
      .map((r) => `add rule inet ${table} pre iifname "${r.iface}" numgen random mod ${LOSS_MOD} < ${Math.round(r.loss * LOSS_MOD)} counter drop`),
    "",
  ].join("\n");
}

/** Arguments after `tc qdisc replace dev IFACE root` for a rate cap. */
export function tbfArgs(s: DirectionShape): string[] {
  return ["tbf", "rate", `${s.rateMbit}mbit`, "burst", `${s.burstKb}kb`, "latency", `${s.queueMs}ms`];
}

/** iptables arguments adding (-I) or deleting (-D) the rule that sends an interface's incoming packets to a queue. */
export function nfqueueRule(op: "-I" | "-D", iface: string, queue: number): string[] {
  return ["-w", "-t", "mangle", op, "PREROUTING", "-i", iface, "-j", "NFQUEUE", "--queue-num", String(queue)];
}
