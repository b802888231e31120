// Network-namespace topologies for multi-node tests and benchmarks.
// See test/lab/README.md for the API and the reasoning behind each mechanism.
import { spawn as spawnChild } from "node:child_process";
import { constants as osConstants } from "node:os";
import { creatorPid, DEFAULT_FAMILY, killNamespaceProcesses, killNamespaceProcessesSync, makePrefix, registerNamespace, sweepStale, unregisterNamespace } from "./names";
import { LabProcess, type ExitStatus } from "./process";
import { NO_SHAPE, nfqueueRule, nftLossRules, nftLossTable, resolveShape, tbfArgs, type DirectionOpts, type DirectionShape } from "./shaping";
import { ensureTools, helperBinary, labScript, run, runSync, sleep, type RunResult } from "./sys";

export interface LabOptions {
  /** Name family of this lab's namespaces (FAMILY-PID-RAND-NODE); default "svlab". */
  family?: string;
  /** Remove namespaces of the family left by dead runs before starting; default true. */
  sweep?: boolean;
}

export interface LinkOpts extends DirectionOpts {
  /** Overrides for the a -> b direction (merged over the common options). */
  aToB?: DirectionOpts;
  /** Overrides for the b -> a direction. */
  bToA?: DirectionOpts;
  /** Interface MTU, default 1500. */
  mtu?: number;
}

export interface Link {
  /** Index of the link in this lab (0, 1, ...). */
  readonly id: number;
  readonly a: string;
  readonly b: string;
  /** Interface names inside a's and b's namespaces: `v<id>a`, `v<id>b`. */
  readonly ifA: string;
  readonly ifB: string;
  readonly ipA: string;
  readonly ipB: string;
  /** e.g. "10.201.3.0/24". */
  readonly subnet: string;
  readonly broadcast: string;
  /** Current impairments per direction. */
  aToB: DirectionShape;
  bToA: DirectionShape;
  up: boolean;
}

export interface ExecOpts {
  /** Throw on non-zero exit (default true). */
  check?: boolean;
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface SpawnOpts {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Copy the output to our stderr prefixed with this tag (debugging). */
  echo?: string;
  /** Signal the process gets when the test process dies (default SIGTERM). */
  parentDeathSignal?: NodeJS.Signals;
  /** "pipe" to write to it through `proc.child.stdin` (default "ignore"). */
  stdin?: "ignore" | "pipe";
}

export interface TcpTransferResult {
  bytes: number;
  /** From before connect() until the receiver confirmed the byte count and hash. */
  seconds: number;
  goodputMbit: number;
  sha256Match: boolean;
  sentSha256: string;
  receivedSha256: string;
  receivedBytes: number;
  /** The sender's TCP congestion control (tcp_congestion_control of its namespace). */
  congestionControl: string;
  /** Not finished within timeoutMs: seconds = the timeout, receivedBytes = how far it got, goodputMbit from that. */
  timedOut: boolean;
}

export interface StreamResult {
  /** From before the first connect() until this connection's answer. */
  seconds: number;
  sentSha256: string;
  receivedSha256: string;
  /** As counted by the sink; -1 when no answer came. */
  receivedBytes: number;
  error?: string;
}

export interface StreamTransferResult {
  /** Per connection. */
  bytes: number;
  /** Until the last answer. */
  seconds: number;
  /** All connections together: bytes that arrived (receivedTotal) over seconds. */
  goodputMbit: number;
  /** Every connection delivered `bytes` with the sender's sha256. */
  allMatch: boolean;
  /** The transfer did not finish within timeoutMs; receivedTotal says how far it got. */
  timedOut: boolean;
  /** Bytes the sink received over all connections. */
  receivedTotal: number;
  results: Array<StreamResult & { match: boolean }>;
}

interface NodeState {
  name: string;
  ns: string;
  links: Link[];
  processes: Set<LabProcess>;
  /** Tail of the node's serialised nft updates. */
  lossUpdate: Promise<void>;
}

interface DelayHelper {
  proc: LabProcess;
  queue: number;
  /** Current delay in microseconds. */
  us: number;
}

const NODE_NAME = /^[A-Za-z0-9_]{1,24}$/;
const live = new Set<Lab>();
let handlersInstalled = false;

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", () => { for (const lab of live) lab.cleanupSync(); });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const handler = () => {
      for (const lab of live) lab.cleanupSync();
      process.removeListener(sig, handler);
      // Nobody else handles it: die of the signal as if we had not caught it.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, handler);
  }
}

export class Lab {
  readonly prefix: string;
  private nodes = new Map<string, NodeState>();
  private linkList: Link[] = [];
  private delayHelpers = new Map<string, DelayHelper>(); // key: `${ns}/${iface}`
  private nextQueue = 1;
  private closed = false;
  private forwarding = false;

  private constructor(prefix: string) {
    this.prefix = prefix;
  }

  /** Checks/installs tools, sweeps namespaces left by killed runs, registers cleanup on exit and signals. */
  static async create(opts: LabOptions = {}): Promise<Lab> {
    ensureTools();
    const family = opts.family ?? DEFAULT_FAMILY;
    if (opts.sweep !== false) await sweepStale(family);
    installExitHandlers();
    const lab = new Lab(makePrefix(family));
    live.add(lab);
    return lab;
  }

  // ---- nodes and links -------------------------------------------------

  /** Namespace name of a node (for tools that take one, e.g. `ip -n`). */
  ns(node: string): string {
    return this.state(node).ns;
  }

  get nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  get links(): readonly Link[] {
    return this.linkList;
  }

  /** Creates a node: a namespace with lo up, IPv6 off, forwarding off, rp_filter off. */
  async node(name: string): Promise<string> {
    this.assertOpen();
    if (!NODE_NAME.test(name)) throw new Error(`lab: bad node name ${JSON.stringify(name)} (want [A-Za-z0-9_]{1,24})`);
    if (this.nodes.has(name)) throw new Error(`lab: node ${name} exists`);
    const ns = `${this.prefix}-${name}`;
    registerNamespace(ns);
    await run("ip", ["netns", "add", ns]);
    this.nodes.set(name, { name, ns, links: [], processes: new Set(), lossUpdate: Promise.resolve() });
    const sysctls = {
      "net.ipv4.ip_forward": this.forwarding ? 1 : 0,
      "net.ipv4.conf.all.rp_filter": 0,
      "net.ipv4.conf.default.rp_filter": 0,
      "net.ipv6.conf.all.disable_ipv6": 1,
      "net.ipv6.conf.default.disable_ipv6": 1,
    };
    // One shell per namespace instead of one process per command: setting up
    // a topology is mostly process start-up cost on a busy machine.
    await inNs(ns, [
      ["ip", "link", "set", "lo", "up"],
      ["sysctl", "-q", "-w", ...Object.entries(sysctls).map(([k, v]) => `${k}=${v}`)],
      ["nft", "-f", "/dev/stdin"],
    ], nftLossTable("svlab"));
    return name;
  }

  /** Joins two nodes with a veth pair on its own /24 (a = .1, b = .2) and applies the impairments. */
  async link(a: string, b: string, opts: LinkOpts = {}): Promise<Link> {
    this.assertOpen();
    const na = this.state(a), nb = this.state(b);
    if (a === b) throw new Error("lab: cannot link a node to itself");
    const id = this.linkList.length;
    if (id >= 56 * 256) throw new Error("lab: too many links");
    const net = `10.${200 + (id >> 8)}.${id & 255}`;
    const link: Link = {
      id, a, b, ifA: `v${id}a`, ifB: `v${id}b`, ipA: `${net}.1`, ipB: `${net}.2`,
      subnet: `${net}.0/24`, broadcast: `${net}.255`, aToB: NO_SHAPE, bToA: NO_SHAPE, up: true,
    };
    await run("ip", ["link", "add", link.ifA, "netns", na.ns, "type", "veth", "peer", "name", link.ifB, "netns", nb.ns]);
    this.linkList.push(link);
    na.links.push(link);
    nb.links.push(link);
    await Promise.all(([[na, link.ifA, link.ipA], [nb, link.ifB, link.ipB]] as const).map(([st, ifc, ip]) => inNs(st.ns, [
      ["ip", "addr", "add", `${ip}/24`, "broadcast", link.broadcast, "dev", ifc],
      ...(opts.mtu ? [["ip", "link", "set", ifc, "mtu", String(opts.mtu)]] : []),
      // Wire-sized packets: a 64 KB TSO/GSO super-packet must not count as one
      // packet for loss, nor pass the rate cap as one burst.
      ["ethtool", "-K", ifc, "tso", "off", "gso", "off", "gro", "off"],
      ["ip", "link", "set", ifc, "up"],
    ])));
    await this.waitOperUp(link);
    await this.shape(link, opts);
    if (this.forwarding) await this.installRoutes();
    return link;
  }

  /** Changes a link's impairments (same options as link(); unspecified = none). */
  async shape(link: Link, opts: LinkOpts): Promise<void> {
    this.assertOpen();
    const common: DirectionOpts = { loss: opts.loss, rateMbit: opts.rateMbit, burstKb: opts.burstKb, queueMs: opts.queueMs, delayMs: opts.delayMs };
    const ab = resolveShape({ ...common, ...defined(opts.aToB) });
    const ba = resolveShape({ ...common, ...defined(opts.bToA) });
    const sa = this.state(link.a), sb = this.state(link.b);
    await this.applyRate(sa.ns, link.ifA, link.aToB, ab);
    await this.applyRate(sb.ns, link.ifB, link.bToA, ba);
    await this.applyDelay(sb.ns, link.ifB, ab.delayMs);
    await this.applyDelay(sa.ns, link.ifA, ba.delayMs);
    link.aToB = ab;
    link.bToA = ba;
    await this.applyLoss(sa);
    await this.applyLoss(sb);
  }

  /** Takes both ends of a link administratively down (carrier lost) or up again. */
  async setLinkUp(link: Link, up: boolean): Promise<void> {
    this.assertOpen();
    const state = up ? "up" : "down";
    await run("ip", ["-n", this.ns(link.a), "link", "set", link.ifA, state]);
    await run("ip", ["-n", this.ns(link.b), "link", "set", link.ifB, state]);
    link.up = up;
    if (up) await this.waitOperUp(link);
    // The kernel flushes routes through a downed interface: recompute them all
    // (a diamond then routes around the down link).
    if (this.forwarding) await this.installRoutes();
  }

  /** Packets dropped so far by the loss rule of the direction *towards* `receiver` on this link. */
  async lossDrops(link: Link, receiver: string): Promise<number> {
    const iface = receiver === link.b ? link.ifB : receiver === link.a ? link.ifA : undefined;
    if (!iface) throw new Error(`lab: ${receiver} is not an end of link ${link.id}`);
    const r = await run("ip", ["netns", "exec", this.ns(receiver), "nft", "list", "chain", "inet", "svlab", "pre"], { check: false });
    const m = new RegExp(`iifname "${iface}" .*counter packets (\\d+)`).exec(r.stdout);
    return m ? Number(m[1]) : 0;
  }

  // ---- topologies -------------------------------------------------------

  /** n nodes in a line (names given, or n0..n{n-1}), consecutive nodes linked with the same options. */
  async line(n: number | readonly string[], opts: LinkOpts = {}): Promise<{ nodes: string[]; links: Link[] }> {
    const names = typeof n === "number" ? Array.from({ length: n }, (_, i) => `n${i}`) : [...n];
    if (names.length < 2) throw new Error("lab: a line needs at least 2 nodes");
    await Promise.all(names.map((name) => this.node(name)));
    const links: Link[] = [];
    for (let i = 0; i + 1 < names.length; i++) links.push(await this.link(names[i]!, names[i + 1]!, opts));
    return { nodes: names, links };
  }

  /** Two 2-hop paths a-b-c and a-d-c (c reachable from a two ways). */
  async diamond(opts: LinkOpts = {}, names: readonly [string, string, string, string] = ["a", "b", "c", "d"]): Promise<{ nodes: { a: string; b: string; c: string; d: string }; links: { ab: Link; bc: Link; ad: Link; dc: Link } }> {
    const [a, b, c, d] = names;
    await Promise.all(names.map((name) => this.node(name)));
    const ab = await this.link(a, b, opts);
    const bc = await this.link(b, c, opts);
    const ad = await this.link(a, d, opts);
    const dc = await this.link(d, c, opts);
    return { nodes: { a, b, c, d }, links: { ab, bc, ad, dc } };
  }

  // ---- kernel IP forwarding (for the kernel TCP baseline) -----------------

  /** Turns on IPv4 forwarding in every node and installs static shortest-path routes to every link subnet (kept up to date as links are added). */
  async enableForwarding(): Promise<void> {
    this.assertOpen();
    this.forwarding = true;
    await Promise.all([...this.nodes.values()].map((st) => this.sysctl(st.ns, { "net.ipv4.ip_forward": 1 })));
    await this.installRoutes();
  }

  /** First hop links of shortest paths from `from` (BFS, ties broken by link order). */
  private pathLinks(from: string): Map<string, { first: Link; last: Link }> {
    const seen = new Map<string, { first: Link; last: Link }>();
    const queue: string[] = [from];
    const visited = new Set([from]);
    while (queue.length > 0) {
      const cur = queue.shift()!;
      for (const l of this.state(cur).links) {
        const next = l.a === cur ? l.b : l.a;
        if (!l.up || visited.has(next)) continue;
        visited.add(next);
        seen.set(next, { first: seen.get(cur)?.first ?? l, last: l });
        queue.push(next);
      }
    }
    return seen;
  }

  /** Makes every node's static routes (proto boot) exactly the shortest-path set for the current up links. */
  private async installRoutes(): Promise<void> {
    await Promise.all([...this.nodes.values()].map(async (st) => {
      const paths = this.pathLinks(st.name);
      const direct = new Set(st.links.filter((l) => l.up).map((l) => l.id));
      const want = new Map<string, string>(); // subnet -> gateway
      for (const l of this.linkList) {
        if (direct.has(l.id)) continue;
        // Route to l's subnet via the nearer of its two ends.
        const pa = paths.get(l.a), pb = paths.get(l.b);
        const p = pa && pb ? (this.hops(st.name, l.a) <= this.hops(st.name, l.b) ? pa : pb) : pa ?? pb;
        if (!p) continue;
        want.set(l.subnet, p.first.a === st.name ? p.first.ipB : p.first.ipA);
      }
      const have = JSON.parse((await run("ip", ["-n", st.ns, "-j", "route", "show", "proto", "boot"])).stdout || "[]") as Array<{ dst: string; gateway?: string }>;
      const cmds: string[] = [];
      // Stale ones first: a static route left for a subnet that is attached again would shadow the connected route.
      for (const r of have) if (want.get(r.dst) !== r.gateway) cmds.push(`route del ${r.dst} proto boot\n`);
      for (const [dst, gw] of want) if (!have.some((r) => r.dst === dst && r.gateway === gw)) cmds.push(`route replace ${dst} via ${gw} proto boot\n`);
      if (cmds.length) await run("ip", ["-n", st.ns, "-force", "-batch", "-"], { input: cmds.join("") });
    }));
  }

  private hops(from: string, to: string): number {
    const dist = new Map([[from, 0]]);
    const queue = [from];
    while (queue.length > 0) {
      const cur = queue.shift()!;
      for (const l of this.state(cur).links) {
        const next = l.a === cur ? l.b : l.a;
        if (l.up && !dist.has(next)) { dist.set(next, dist.get(cur)! + 1); queue.push(next); }
      }
    }
    return dist.get(to) ?? Infinity;
  }

  /** An address of `node`: its end of the link to `peer`, else (with forwarding) of the last hop on the path from `peer`, else of its first link. */
  addressOf(node: string, peer?: string): string {
    const st = this.state(node);
    if (st.links.length === 0) throw new Error(`lab: node ${node} has no links`);
    const ip = (l: Link) => (l.a === node ? l.ipA : l.ipB);
    if (peer !== undefined) {
      const direct = st.links.find((l) => l.a === peer || l.b === peer);
      if (direct) return ip(direct);
      const p = this.pathLinks(peer).get(node);
      if (p) return ip(p.last);
    }
    return ip(st.links[0]!);
  }

  // ---- processes ------------------------------------------------------------

  /** Runs a command to completion inside a node's namespace. */
  exec(node: string, cmd: string, args: readonly string[] = [], opts: ExecOpts = {}): Promise<RunResult> {
    return run("ip", ["netns", "exec", this.ns(node), cmd, ...args], opts);
  }

  /** Starts a long-running process in a node's namespace; it is killed (by pid) on cleanup or when this test process dies. */
  spawn(node: string, cmd: string, args: readonly string[] = [], opts: SpawnOpts = {}): LabProcess {
    this.assertOpen();
    const st = this.state(node);
    const sig = opts.parentDeathSignal ?? "SIGTERM";
    const sigNum = signalNumber(sig);
    const child = spawnChild("ip", ["netns", "exec", st.ns, helperBinary("pdeath"), String(sigNum), cmd, ...args], {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: [opts.stdin ?? "ignore", "pipe", "pipe"],
    });
    const proc = new LabProcess(node, child, opts.echo);
    st.processes.add(proc);
    void proc.exited.then(() => st.processes.delete(proc));
    return proc;
  }

  /** Runs a Node script inside a namespace (Node is the test host; scripts live in test/lab/). */
  spawnNode(node: string, script: string, args: readonly string[] = [], opts: SpawnOpts = {}): LabProcess {
    return this.spawn(node, process.execPath, [script, ...args], opts);
  }

  // ---- measurements ---------------------------------------------------------

  /** ping from a node; returns counts and RTTs in ms. */
  async ping(from: string, to: string, opts: { count?: number; intervalMs?: number; size?: number; waitMs?: number } = {}): Promise<{ sent: number; received: number; rttsMs: number[]; avgMs: number; output: string }> {
    const count = opts.count ?? 5;
    const args = ["-n", "-U", "-c", String(count), "-i", String((opts.intervalMs ?? 100) / 1000), "-W", String((opts.waitMs ?? 1000) / 1000)];
    if (opts.size !== undefined) args.push("-s", String(opts.size));
    // -U: user-to-user time. ping's default (kernel receive timestamps) is taken
    // before the receiving end's delay queue and would hide one direction's delay.
    // chrt: real-time priority so scheduling on a loaded machine adds no noise.
    const r = await this.exec(from, "chrt", ["-f", "5", "ping", ...args, to], { check: false, timeoutMs: count * (opts.intervalMs ?? 100) + 15_000 });
    const rtts = [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
    const sent = Number(/(\d+) packets transmitted/.exec(r.stdout)?.[1] ?? 0);
    const received = Number(/(\d+) received/.exec(r.stdout)?.[1] ?? 0);
    return { sent, received, rttsMs: rtts, avgMs: rtts.length ? rtts.reduce((a, b) => a + b, 0) / rtts.length : NaN, output: r.stdout + r.stderr };
  }

  /** Kernel TCP baseline: sends `bytes` of random data from one node to another over kernel TCP (needs enableForwarding() across hops). */
  async tcpTransfer(from: string, to: string, bytes: number, opts: { port?: number; timeoutMs?: number; congestionControl?: string } = {}): Promise<TcpTransferResult> {
    const port = opts.port ?? 5201;
    // New namespaces inherit the host's default (bbr on this machine); a benchmark may pin one.
    if (opts.congestionControl) await this.sysctl(this.ns(from), { "net.ipv4.tcp_congestion_control": opts.congestionControl });
    const cc = (await this.exec(from, "cat", ["/proc/sys/net/ipv4/tcp_congestion_control"])).stdout.trim();
    const r = await this.streamTransfer({ sink: { node: to, port }, source: { node: from, host: this.addressOf(to, from), port }, bytes, timeoutMs: opts.timeoutMs });
    const c = r.results[0]!;
    return {
      bytes,
      seconds: r.seconds,
      goodputMbit: r.goodputMbit,
      sha256Match: r.allMatch,
      sentSha256: c.sentSha256,
      receivedSha256: c.receivedSha256,
      receivedBytes: r.receivedTotal,
      timedOut: r.timedOut,
      congestionControl: cc,
    };
  }

  /**
   * Any TCP path, e.g. through a tunnel: starts tcp-sink.mjs listening on
   * sink.host:sink.port (default 0.0.0.0) in sink.node, then tcp-source.mjs in
   * source.node connecting to source.host:source.port with `connections`
   * parallel connections of `bytes` each; every stream is hashed on both ends.
   */
  async streamTransfer(opts: { sink: { node: string; port: number; host?: string }; source: { node: string; host: string; port: number }; bytes: number; connections?: number; timeoutMs?: number }): Promise<StreamTransferResult> {
    const n = opts.connections ?? 1;
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const sink = this.spawnNode(opts.sink.node, labScript("tcp-sink.mjs"), ["--port", String(opts.sink.port), "--host", opts.sink.host ?? "0.0.0.0", "--count", String(n)]);
    try {
      await sink.waitFor(/^listening/m, { timeoutMs: 10_000 });
      const r = await this.exec(opts.source.node, process.execPath, [labScript("tcp-source.mjs"), "--host", opts.source.host, "--port", String(opts.source.port), "--bytes", String(opts.bytes), "--connections", String(n), "--timeout-ms", String(timeoutMs)], { timeoutMs: timeoutMs + 10_000 });
      const res = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as { seconds: number; timedOut?: boolean; connections: StreamResult[] };
      const results = res.connections.map((c) => ({ ...c, match: c.receivedBytes === opts.bytes && c.sentSha256 !== "" && c.sentSha256 === c.receivedSha256 }));
      let receivedTotal = results.reduce((a, c) => a + Math.max(0, c.receivedBytes), 0);
      if (res.timedOut) {
        // Ask the sink how far each connection got.
        process.kill(sink.pid, "SIGTERM");
        await Promise.race([sink.exited, sleep(3000)]);
        const m = /^\{"partial":true.*$/m.exec(sink.stdout);
        if (m) receivedTotal = (JSON.parse(m[0]) as { bytes: number[] }).bytes.reduce((a, b) => a + b, 0);
      }
      return {
        bytes: opts.bytes,
        seconds: res.seconds,
        goodputMbit: (receivedTotal * 8) / res.seconds / 1e6,
        allMatch: !res.timedOut && results.every((c) => c.match),
        timedOut: res.timedOut === true,
        receivedTotal,
        results,
      };
    } finally {
      await sink.kill();
    }
  }

  // ---- cleanup ----------------------------------------------------------------

  /** Kills every process of the lab (spawned ones, delay helpers, anything left in its namespaces) and deletes the namespaces. Idempotent. */
  async cleanup(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const procs = [...this.nodes.values()].flatMap((st) => [...st.processes]);
    await Promise.all(procs.map((p) => p.kill("SIGTERM", 1500)));
    await Promise.all([...this.delayHelpers.values()].map((h) => h.proc.kill("SIGTERM", 1000)));
    const nss = [...this.nodes.values()].map((st) => st.ns);
    await killNamespaceProcesses(nss, 1500);
    for (const ns of nss) {
      await run("ip", ["netns", "del", ns], { check: false });
      unregisterNamespace(ns);
    }
    live.delete(this);
  }

  /** Synchronous cleanup for process exit/signal handlers. */
  cleanupSync(): void {
    if (this.closed) return;
    this.closed = true;
    for (const st of this.nodes.values()) for (const p of st.processes) kill(p.pid, "SIGTERM");
    for (const h of this.delayHelpers.values()) kill(h.proc.pid, "SIGTERM");
    const nss = [...this.nodes.values()].map((st) => st.ns);
    killNamespaceProcessesSync(nss);
    for (const st of this.nodes.values()) for (const p of st.processes) kill(p.pid, "SIGKILL");
    for (const ns of nss) {
      runSync("ip", ["netns", "del", ns]);
      unregisterNamespace(ns);
    }
    live.delete(this);
  }

  // ---- internals ----------------------------------------------------------------

  private state(node: string): NodeState {
    const st = this.nodes.get(node);
    if (!st) throw new Error(`lab: no node ${JSON.stringify(node)}`);
    return st;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("lab: already cleaned up");
  }

  /** Carrier comes up asynchronously (linkwatch, up to ~1 s): packets sent before that are dropped. */
  private async waitOperUp(link: Link): Promise<void> {
    const wait = (iface: string) => `i=0; until grep -qx up /sys/class/net/${iface}/operstate; do i=$((i+1)); [ $i -gt 250 ] && exit 1; sleep 0.02; done`;
    await Promise.all([
      run("ip", ["netns", "exec", this.ns(link.a), "sh", "-c", wait(link.ifA)]),
      run("ip", ["netns", "exec", this.ns(link.b), "sh", "-c", wait(link.ifB)]),
    ]);
  }

  private async sysctl(ns: string, values: Record<string, number | string>): Promise<void> {
    await run("ip", ["netns", "exec", ns, "sysctl", "-q", "-w", ...Object.entries(values).map(([k, v]) => `${k}=${v}`)]);
  }

  private async applyRate(ns: string, iface: string, old: DirectionShape, now: DirectionShape): Promise<void> {
    if (now.rateMbit > 0) await run("ip", ["netns", "exec", ns, "tc", "qdisc", "replace", "dev", iface, "root", ...tbfArgs(now)]);
    else if (old.rateMbit > 0) await run("ip", ["netns", "exec", ns, "tc", "qdisc", "del", "dev", iface, "root"], { check: false });
  }

  /** Regenerates the node's loss rules from the current shape of every link direction arriving at it (serialised per node, so the last state wins). */
  private applyLoss(st: NodeState): Promise<void> {
    const next = st.lossUpdate.catch(() => undefined).then(async () => {
      const rules = st.links.map((l) => (l.b === st.name ? { iface: l.ifB, loss: l.aToB.loss } : { iface: l.ifA, loss: l.bToA.loss }));
      await run("ip", ["netns", "exec", st.ns, "nft", "-f", "-"], { input: nftLossRules("svlab", rules) });
    });
    st.lossUpdate = next;
    return next;
  }

  /**
   * Delays packets arriving on iface by delayMs. The first non-zero delay
   * starts a helper bound to a fresh queue and only then adds the rule that
   * feeds it; later changes (including to 0) are sent to the running helper,
   * so no packet in flight is lost to a queue swap.
   */
  private async applyDelay(ns: string, iface: string, delayMs: number): Promise<void> {
    const key = `${ns}/${iface}`;
    const us = Math.round(delayMs * 1000);
    const cur = this.delayHelpers.get(key);
    if (cur && cur.proc.running) {
      if (cur.us === us) return;
      const seq = ++this.controlSeq;
      cur.proc.child.stdin?.write(`delay ${us} ${seq}\n`);
      await cur.proc.waitFor(new RegExp(`^applied ${seq}$`, "m"), { timeoutMs: 5000, stream: "stdout" });
      cur.us = us;
      return;
    }
    if (cur) {
      // The helper died (reported when it happened): drop its rule, start afresh.
      await run("ip", ["netns", "exec", ns, "iptables", ...nfqueueRule("-D", iface, cur.queue)], { check: false });
      this.delayHelpers.delete(key);
    }
    if (us === 0) return;
    const queue = this.nextQueue++ & 0xffff;
    const node = this.nodeOfNs(ns);
    const proc = this.spawn(node, helperBinary("nfq-delay"), ["-q", String(queue), "-d", String(us)], { stdin: "pipe", echo: process.env.LAB_DEBUG ? `delay ${key}` : undefined });
    // Helpers are lab internals: not in the node's process set (cleanup stops them after the tests' processes).
    this.state(node).processes.delete(proc);
    await proc.waitFor(/^ready/m, { timeoutMs: 5000, stream: "stdout" });
    void proc.exited.then((st: ExitStatus) => {
      if (!this.closed) process.stderr.write(`lab: delay helper for ${key} died (${JSON.stringify(st)}): ${proc.stderr}\n`);
    });
    await run("ip", ["netns", "exec", ns, "iptables", ...nfqueueRule("-I", iface, queue)]);
    this.delayHelpers.set(key, { proc, queue, us });
  }

  private controlSeq = 0;

  private nodeOfNs(ns: string): string {
    for (const st of this.nodes.values()) if (st.ns === ns) return st.name;
    throw new Error(`lab: unknown namespace ${ns}`);
  }
}

/** Runs commands in a namespace through one shell (stops at the first failure). */
function inNs(ns: string, cmds: readonly (readonly string[])[], input?: string): Promise<RunResult> {
  const script = cmds.map((c) => c.map(shellQuote).join(" ")).join(" && ");
  return run("ip", ["netns", "exec", ns, "sh", "-c", script], { input });
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_.,:=\/+-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

function defined<T extends object>(o: T | undefined): Partial<T> {
  if (!o) return {};
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function kill(pid: number, sig: NodeJS.Signals): void {
  try { process.kill(pid, sig); } catch { /* gone */ }
}

function signalNumber(sig: NodeJS.Signals): number {
  const n = osConstants.signals[sig];
  if (n === undefined) throw new Error(`lab: unknown signal ${sig}`);
  return n;
}

export { creatorPid, sweepStale };
