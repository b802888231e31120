// `servald msp discover [--timeout=SECONDS] [--json] [NAME]`: broadcast a
// service-discovery query (MDP port 11, PROTOCOL.md 8.8) and list the answers of
// `msp listen --service=NAME` processes on the mesh, one `SID NAME PORT` line
// each (or one JSON array). Exit 0 if any service was found, 1 if none.
import { registerCommand } from "./registry.js";
import { ParsedArgs, UsageError } from "./args.js";
import { parseIntervalMs } from "./mdp.js";
import { openMdpClient } from "../client/open.js";
import { runPath } from "../client/run-path.js";
import { SID_BROADCAST } from "../client/mdp-client.js";
import { encodeServiceQuery, parseServiceReply, PORT_SERVICE_DISCOVERY } from "../client/service-discovery.js";
import { toHex } from "../wire/bytes.js";
import { clearTimer, setRepeat, setTimer, Timer } from "../platform/loop.js";
import { printErr, printFlush as print, utf8Decode } from "../platform/proc.js";
import { onSignal } from "../platform/signals.js";

const USAGE = "msp discover [--timeout=SECONDS] [--json] [NAME]";

interface Found { sid: string; name: string; port: number }

function usageError(msg: string): never {
  throw new UsageError(`${msg}; usage: servald ${USAGE}`);
}

async function discover(args: ParsedArgs): Promise<number> {
  if (args.positionals.length > 1) usageError(`unexpected argument '${args.positionals[1]}'`);
  const name = args.positionals[0];
  if (name !== undefined && !/^[\x21-\x7e]+$/.test(name)) usageError(`NAME must be printable ASCII without spaces, not '${name}'`);
  let timeoutMs = 2000;
  const t = args.options.get("timeout");
  if (t !== undefined) {
    try { timeoutMs = parseIntervalMs(t, "timeout"); } catch (e) { usageError((e as Error).message); }
    if (timeoutMs <= 0) usageError("--timeout must be more than 0");
  }
  const json = args.flags.has("json");

  const found: Found[] = [];
  const seen = new Set<string>();
  const client = openMdpClient(runPath());
  let finish: (() => void) | undefined;
  const offSignal = onSignal((sig) => { if (sig === "SIGINT" || sig === "SIGTERM") finish?.(); });
  let resend: Timer | undefined;
  try {
    await client.bind();
    client.onError = () => printErr("WARN: the daemon refused the discovery query, please check its log\n");
    client.onDatagram = (d) => {
      if (d.remotePort !== PORT_SERVICE_DISCOVERY) return;
      const sid = toHex(d.remoteSid);
      for (const s of parseServiceReply(utf8Decode(d.payload))) {
        // Serval DNA ignores the pattern and answers every query: filter here.
        if (name !== undefined && s.name !== name) continue;
        const key = `${sid} ${s.name} ${s.port}`;
        if (seen.has(key)) continue; // duplicates: repeated queries, overheard frames
        seen.add(key);
        found.push({ sid, name: s.name, port: s.port });
        if (!json) print(key + "\n");
      }
    };
    // Plain (NO_CRYPT|NO_SIGN): a daemon that does not know our signing key
    // yet would drop a signed query. Repeated because a broadcast is not
    // retransmitted per hop; answers are de-duplicated above.
    const query = encodeServiceQuery(name ?? "");
    const send = () => client.send(SID_BROADCAST, PORT_SERVICE_DISCOVERY, query, { encrypt: false, sign: false, ttl: 31 });
    send();
    resend = setRepeat(Math.max(500, Math.floor(timeoutMs / 3)), () => {
      try { send(); } catch { /* a full daemon socket: the next repeat or the first query will do */ }
    }, "discover resend");
    await new Promise<void>((resolve) => {
      const timer = setTimer(timeoutMs, () => resolve(), "discover wait");
      finish = () => { clearTimer(timer); resolve(); };
    });
  } finally {
    clearTimer(resend);
    offSignal();
    client.close();
  }
  if (json) print(JSON.stringify(found) + "\n");
  if (found.length === 0) {
    printErr(`servald: no ${name !== undefined ? `service '${name}'` : "service"} answered within ${timeoutMs / 1000} s\n`);
    return 1;
  }
  return 0;
}

registerCommand({
  words: ["msp", "discover"],
  usage: USAGE,
  summary: "broadcast a service-discovery query; list SID NAME PORT of each msp listen --service answering",
  flags: ["json"],
  options: ["timeout"],
  minArgs: 0,
  maxArgs: 8,
  run: discover,
});
