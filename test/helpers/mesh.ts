// Tunnel tests and benchmarks: a line of servald daemons in lab namespaces
// (reusing the mdp integration tests' Mesh), and `servald msp ...` processes
// whose stdin/stdout are files (binary-safe, byte-exact comparisons).
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Lab, LabProcess, LinkOpts } from "../lab/index";
import { Mesh, SERVALD, waitUntil } from "../integration/mdp-helpers";

export { Mesh, SERVALD, waitUntil };

export interface MeshLine {
  lab: Lab;
  mesh: Mesh;
  nodes: string[];
  sids: string[];
  /** Removes daemons, instance dirs and namespaces. */
  close(): Promise<void>;
}

/** n nodes n0..n{n-1} in a line, a daemon on each, resolves once n0 and the last node route to each other. */
export async function meshLine(family: string, n: number, link: LinkOpts = {}, conf: Record<string, string> = {}): Promise<MeshLine> {
  const lab = await Lab.create({ family });
  const mesh = new Mesh(lab);
  const close = async () => { await mesh.cleanup(); await lab.cleanup(); };
  try {
    const { nodes } = await lab.line(n, link);
    const sids: string[] = [];
    for (const node of nodes) sids.push((await mesh.start(node, conf)).sid);
    const first = nodes[0]!, last = nodes[n - 1]!;
    await waitUntil(async () => (await mesh.routes(first)).has(sids[n - 1]!) && (await mesh.routes(last)).has(sids[0]!), 60_000, `${first} and ${last} route to each other`, 200);
    return { lab, mesh, nodes, sids, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** A file of random bytes in the mesh's temp dir; returns its path. */
export function randomFile(mesh: Mesh, name: string, bytes: number): string {
  const p = join(mesh.base, name);
  writeFileSync(p, new Uint8Array(randomBytes(bytes)));
  return p;
}

export function sha256File(path: string): string {
  return createHash("sha256").update(new Uint8Array(readFileSync(path))).digest("hex");
}

export function tmpPath(mesh: Mesh, name: string): string {
  return join(mesh.base, name);
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * `servald msp ARGS` in `node` with stdin from a file (default /dev/null, or
 * `stdinCmd`: a shell command piped in, e.g. `cat FILE`) and stdout to a file
 * (default /dev/null); stderr is captured by the LabProcess.
 */
export function msp(line: MeshLine, node: string, args: string[], io: { stdin?: string; stdinCmd?: string; stdout?: string; env?: NodeJS.ProcessEnv } = {}): LabProcess {
  const cmd = `${q(SERVALD)} msp ${args.map(q).join(" ")} > ${q(io.stdout ?? "/dev/null")}`;
  // exec: the LabProcess pid is servald itself (signals reach it), unless a pipe is asked for.
  const script = io.stdinCmd !== undefined ? `(${io.stdinCmd}) | ${cmd}` : `exec ${cmd} < ${q(io.stdin ?? "/dev/null")}`;
  return line.lab.spawn(node, "sh", ["-c", script], { env: { ...line.mesh.env(node), ...io.env }, echo: process.env.TUNNEL_ECHO ? `${node} msp` : undefined });
}

/** Resolves with the exit status, or rejects after timeoutMs (the process is then killed). */
export async function exitWithin(p: LabProcess, timeoutMs: number, what: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const t0 = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([p.exited, new Promise<"timeout">((res) => { timer = setTimeout(() => res("timeout"), timeoutMs); })]);
  clearTimeout(timer);
  if (r === "timeout") {
    await p.kill("SIGKILL", 100);
    throw new Error(`${what}: still running after ${timeoutMs} ms; stderr: ${p.stderr.slice(-1500)}`);
  }
  return { ...r, ms: Date.now() - t0 };
}

/**
 * A one-connection TCP peer run with the test's Node inside a namespace:
 *   serve PORT GREETING OUT [ANSWER_AFTER]  accept one connection, write GREETING then
 *       half-close (after ANSWER_AFTER received bytes if given), read to EOF into OUT
 *   client PORT IN OUT [KILL_AFTER]          connect, send file IN then half-close, read to
 *       EOF into OUT (with KILL_AFTER: exit abruptly once that many bytes arrived)
 * Prints "listening" / "connected", then one JSON line {sent, received, sha256} at the end.
 */
const TCP_PEER = String.raw`
import net from "node:net"; import { createHash } from "node:crypto"; import fs from "node:fs";
const [mode, port, a, out, nArg] = process.argv.slice(2);
const n = nArg === undefined ? -1 : Number(nArg);
function run(sock, onData) {
  const h = createHash("sha256"); const fd = fs.openSync(out, "w"); let received = 0, sent = 0;
  sock.on("data", (d) => { fs.writeSync(fd, d); h.update(d); received += d.length; onData(received); });
  sock.on("end", () => { fs.closeSync(fd); console.log(JSON.stringify({ sent, received, sha256: h.digest("hex") })); setTimeout(() => process.exit(0), 50); });
  sock.on("error", (e) => { console.log(JSON.stringify({ error: e.code ?? String(e), sent, received })); process.exit(2); });
  return { sent: (k) => { sent += k; } };
}
if (mode === "serve") {
  const srv = net.createServer({ allowHalfOpen: true }, (sock) => {
    srv.close(); let answered = false;
    const answer = () => { if (answered) return; answered = true; const g = Buffer.from(a.replace(/\\n/g, "\n")); r.sent(g.length); sock.end(g); };
    const r = run(sock, (got) => { if (n >= 0 && got >= n) answer(); });
    if (n < 0) answer();
  });
  srv.listen(Number(port), "127.0.0.1", () => console.log("listening"));
} else {
  const sock = net.connect({ port: Number(port), host: "127.0.0.1", allowHalfOpen: true }, () => {
    console.log("connected"); const data = fs.readFileSync(a); r.sent(data.length); sock.end(data);
  });
  const r = run(sock, (got) => { if (n >= 0 && got >= n) process.kill(process.pid, "SIGKILL"); });
}
`;

export interface PeerResult { sent: number; received: number; sha256?: string; error?: string }

/** Starts a TCP_PEER (see above) in `node`. */
export function tcpPeer(line: MeshLine, node: string, args: string[]): LabProcess {
  const script = join(line.mesh.base, "tcp-peer.mjs");
  writeFileSync(script, TCP_PEER);
  return line.lab.spawn(node, process.execPath, [script, ...args], { echo: process.env.TUNNEL_ECHO ? `${node} tcp` : undefined });
}

export function peerResult(p: LabProcess): PeerResult {
  const m = /^\{.*\}$/m.exec(p.stdout);
  if (!m) throw new Error(`tcp peer in ${p.node} printed no result; stdout ${p.stdout} stderr ${p.stderr}`);
  return JSON.parse(m[0]) as PeerResult;
}

/** A text file in the mesh's temp dir; returns its path. */
export function textFile(line: MeshLine, name: string, s: string): string {
  const p = tmpPath(line.mesh, name);
  writeFileSync(p, s);
  return p;
}

/** The node's daemon's count of client port bindings (`status --json`), or NaN. */
async function bindings(line: MeshLine, node: string): Promise<number> {
  const r = await line.mesh.cli(node, "status", "--json");
  try {
    return Number((JSON.parse(r.stdout) as { clients?: { bindings?: number } }).clients?.bindings ?? NaN);
  } catch {
    return NaN;
  }
}

/**
 * Starts `msp listen ARGS` on node and waits until it has bound its MDP port:
 * until the daemon counts one more client binding (its " - Listening on
 * port" / "- Forwarding from port" lines are debug lines, as in Serval DNA,
 * not printed by default). If the count does not rise within 10 s (another
 * client unbound meanwhile), it goes on after that: a connect's SYN is
 * retransmitted until the port is bound anyway.
 */
export async function mspListener(line: MeshLine, node: string, args: string[], io: Parameters<typeof msp>[3] = {}): Promise<LabProcess> {
  const before = await bindings(line, node);
  const p = msp(line, node, ["listen", ...args], io);
  const until = Date.now() + 10_000;
  let exited = false;
  void p.exited.then(() => { exited = true; });
  while (!exited && Date.now() < until && !((await bindings(line, node)) > before)) await new Promise((r) => setTimeout(r, 50));
  return p;
}

/**
 * Resolves once a TCP socket listens on `port` in p's network namespace (read
 * from /proc/PID/net/tcp{,6}); rejects if p exits first or after timeoutMs.
 * How to know that `msp connect --forward` is ready: like Serval DNA's, its
 * "Forwarding from AF_INET..." line is a debug line, not printed by default.
 */
export async function tcpListening(p: LabProcess, port: number, timeoutMs = 10_000): Promise<void> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const listens = (file: string): boolean => {
    try {
      return readFileSync(file, "utf8").split("\n").some((l) => { const f = l.trim().split(/\s+/); return f[1]?.endsWith(hex) === true && f[3] === "0A"; });
    } catch {
      return false;
    }
  };
  let exited = false;
  void p.exited.then(() => { exited = true; });
  const until = Date.now() + timeoutMs;
  while (!listens(`/proc/${p.pid}/net/tcp`) && !listens(`/proc/${p.pid}/net/tcp6`)) {
    if (exited) throw new Error(`process ${p.pid} in ${p.node} exited before listening on TCP port ${port}; stderr: ${p.stderr.slice(-1500)}`);
    if (Date.now() > until) throw new Error(`process ${p.pid} in ${p.node}: no TCP listener on port ${port} after ${timeoutMs} ms; stderr: ${p.stderr.slice(-1500)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The TCP port of a `--forward=PORT` argument. */
function forwardPort(args: string[]): number {
  const a = args.find((x) => x.startsWith("--forward="));
  if (a === undefined) throw new Error(`no --forward=PORT in ${args.join(" ")}`);
  return Number(a.slice("--forward=".length));
}

/** Starts `msp connect ARGS` (with --forward=PORT) on node and waits until it listens on TCP. */
export async function mspForwarder(line: MeshLine, node: string, args: string[]): Promise<LabProcess> {
  const p = msp(line, node, ["connect", ...args]);
  await tcpListening(p, forwardPort(args));
  return p;
}

/** Daemon-hosted tunnels (tunnels.N.* keys): replaces the node's tunnels with
 * these (each a map of KEY -> value for tunnels.<index>.KEY), sends its daemon
 * SIGHUP and resolves once the daemon's log since then matches `ready`
 * (default: the reload line). */
export async function setDaemonTunnels(mesh: Mesh, node: string, tunnels: Record<string, string>[], ready = /config reloaded/): Promise<void> {
  const keys = (await mesh.cli(node, "config", "get")).stdout.split("\n").filter((l) => l.startsWith("tunnels.")).map((l) => l.split("=")[0]!);
  for (const k of keys) await mesh.cli(node, "config", "del", k);
  for (const [i, t] of tunnels.entries()) {
    for (const [k, v] of Object.entries(t)) {
      const r = await mesh.cli(node, "config", "set", `tunnels.${i}.${k}`, v);
      if (r.code !== 0) throw new Error(`config set tunnels.${i}.${k} ${v} on ${node}: ${r.stderr}`);
    }
  }
  const d = mesh.daemons.get(node);
  if (!d) throw new Error(`no daemon on ${node}`);
  const before = d.proc.stderr.length;
  process.kill(d.proc.pid, "SIGHUP");
  await waitUntil(async () => ready.test(d.proc.stderr.slice(before)), 30_000, `${node} reloaded its tunnels`);
}
