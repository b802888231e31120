// `servald mdp ping SID|broadcast [count]`: echo requests to MDP port 7,
// printed as Serval DNA's app_mdp_ping prints them. Exit 0 when any reply came.
import { registerCommand } from "./registry.js";
import { UsageError, ParsedArgs } from "./args.js";
import { openMdpClient } from "../client/open.js";
import { runPath } from "../client/run-path.js";
import { MdpClientError, SID_BROADCAST } from "../client/mdp-client.js";
import { PingStats, pongLine } from "../client/ping-stats.js";
import { toHex } from "../wire/bytes.js";
import { nowMs } from "../platform/clock.js";
import { clearTimer, setTimer, Timer } from "../platform/loop.js";
import { printErr, printFlush as print, randomBytes } from "../platform/proc.js";
import { onSignal } from "../platform/signals.js";

const PORT_ECHO = 7;

/** Serval-style interval: "1" / "1.5" seconds, or "500ms", "2s". */
export function parseIntervalMs(v: string, name: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(v);
  if (!m) throw new UsageError(`--${name} must be a duration like 1, 0.5, 500ms or 2s, not '${v}'`);
  const n = Number(m[1]);
  return Math.round(m[2] === "ms" ? n : n * 1000);
}

function parseSid(s: string): Uint8Array {
  if (s === "broadcast") return SID_BROADCAST;
  if (!/^[0-9A-Fa-f]{64}$/.test(s)) throw new UsageError(`'${s}' is not a SID (64 hex digits) or 'broadcast'`);
  const b = new Uint8Array(32);
  for (let i = 0; i < 32; i++) b[i] = parseInt(s.substr(i * 2, 2), 16);
  return b;
}

async function ping(args: ParsedArgs): Promise<number> {
  const dst = parseSid(args.positionals[0]);
  const countArg = args.positionals[1] ?? "0";
  if (!/^\d+$/.test(countArg)) throw new UsageError(`count must be a number, not '${countArg}'`);
  const count = Number(countArg);
  let timeoutMs = args.options.has("timeout") ? parseIntervalMs(args.options.get("timeout") as string, "timeout") : 1000;
  if (timeoutMs === 0) timeoutMs = 3600000;
  let intervalMs = args.options.has("interval") ? parseIntervalMs(args.options.get("interval") as string, "interval") : 1000;
  if (intervalMs === 0) intervalMs = 1000;
  const waitDup = args.flags.has("wait-for-duplicates");
  const broadcast = dst === SID_BROADCAST;
  const dstHex = toHex(dst);
  const r = randomBytes(4);
  const stats = new PingStats(((r[0] << 24) | (r[1] << 16) | (r[2] << 8) | r[3]) >>> 0);

  const client = openMdpClient(runPath());
  let stop = false;
  let wake: (() => void) | undefined;
  const offSignal = onSignal((name) => { if (name === "SIGINT" || name === "SIGTERM") { stop = true; wake?.(); } });
  let replied = false;
  try {
    await client.bind();
    print(`MDP PING ${dstHex}: 12 data bytes\n`);
    if (broadcast) printErr("WARN: broadcast ping packets will not be encrypted\n");
    client.onError = () => printErr("ERROR: error from daemon, please check the log for more information\n");
    client.onDatagram = (d) => {
      const res = stats.pong(d.payload, nowMs());
      if (!res) return; // short pong
      replied = true;
      print(pongLine(toHex(d.remoteSid), res.n, res.delay, d.ttl, d.encrypted, d.signed) + "\n");
      if (count && stats.tx >= count && !waitDup && stats.missing() === 0) wake?.();
    };
    while (!stop && (count === 0 || stats.tx < count)) {
      try {
        client.send(dst, PORT_ECHO, stats.transmit(nowMs()), { qos: 1, ttl: 31 });
      } catch (e) {
        // A full daemon socket (EAGAIN): this ping is not sent, as in Serval DNA.
        if (!(e instanceof MdpClientError) || e.code !== "send-failed") throw e;
        stats.cancelLast();
      }
      const allSent = count !== 0 && stats.tx >= count;
      if (allSent && !waitDup && stats.missing() === 0) break;
      await new Promise<void>((resolve) => {
        let t: Timer | undefined;
        wake = () => { clearTimer(t); wake = undefined; resolve(); };
        t = setTimer(allSent ? timeoutMs : intervalMs, () => { wake = undefined; resolve(); }, "ping wait");
      });
    }
  } finally {
    offSignal();
    client.close();
  }
  print(stats.summary(dstHex).join("\n") + "\n");
  return replied ? 0 : 1;
}

registerCommand({
  words: ["mdp", "ping"],
  usage: "mdp ping [--timeout=SECONDS] [--interval=SECONDS] [--wait-for-duplicates] SID|broadcast [COUNT]",
  summary: "send MDP echo requests and report the replies",
  flags: ["wait-for-duplicates"],
  options: ["timeout", "interval"],
  minArgs: 1,
  maxArgs: 2,
  run: ping,
});
