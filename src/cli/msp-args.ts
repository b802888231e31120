// Argument checks for `servald msp listen|connect` (pure, unit-tested under
// Node). Errors are one line ending with the usage.
import { ParsedArgs, UsageError } from "./args";

export const MSP_LISTEN_USAGE = "msp listen [--once] [--forward=TCPPORT] [--service=NAME] MDPPORT";
export const MSP_CONNECT_USAGE = "msp connect [--once] [--forward=TCPPORT] SID MDPPORT";

export interface MspListenArgs { once: boolean; forward: number | undefined; service: string | undefined; port: number }
export interface MspConnectArgs { once: boolean; forward: number | undefined; sid: Uint8Array; sidHex: string; port: number }

function fail(msg: string, usage: string): never {
  throw new UsageError(`${msg}; usage: servald ${usage}`);
}

function mdpPort(v: string | undefined, usage: string): number {
  if (v === undefined) fail("missing MDPPORT", usage);
  if (!/^\d{1,10}$/.test(v)) fail(`MDPPORT must be a number, not '${v}'`, usage);
  const n = Number(v);
  if (n < 1 || n > 0xffffffff) fail(`MDPPORT must be between 1 and 4294967295, not ${v}`, usage);
  return n;
}

function tcpPort(p: ParsedArgs, usage: string): number | undefined {
  const v = p.options.get("forward");
  if (v === undefined) return undefined;
  if (!/^\d{1,5}$/.test(v) || Number(v) < 1 || Number(v) > 65535) fail(`--forward must be a TCP port 1-65535, not '${v}'`, usage);
  return Number(v);
}

export function parseMspListen(p: ParsedArgs): MspListenArgs {
  const u = MSP_LISTEN_USAGE;
  if (p.positionals.length > 1) fail(`unexpected argument '${p.positionals[1]}'`, u);
  const service = p.options.get("service");
  if (service !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(service)) fail(`--service must be a name of letters, digits, '_', '.', '-', not '${service}'`, u);
  return { once: p.flags.has("once"), forward: tcpPort(p, u), service, port: mdpPort(p.positionals[0], u) };
}

export function parseMspConnect(p: ParsedArgs): MspConnectArgs {
  const u = MSP_CONNECT_USAGE;
  if (p.positionals.length > 2) fail(`unexpected argument '${p.positionals[2]}'`, u);
  const s = p.positionals[0];
  if (s === undefined) fail("missing SID", u);
  if (!/^[0-9A-Fa-f]{64}$/.test(s)) fail(`'${s}' is not a SID (64 hex digits)`, u);
  const sid = new Uint8Array(32);
  for (let i = 0; i < 32; i++) sid[i] = parseInt(s.substr(i * 2, 2), 16);
  return { once: p.flags.has("once"), forward: tcpPort(p, u), sid, sidHex: s.toUpperCase(), port: mdpPort(p.positionals[1], u) };
}
