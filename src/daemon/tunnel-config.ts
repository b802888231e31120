// Daemon-hosted MSP tunnels in the config file (the OpenWrt init script writes
// them from UCI `tunnel` sections): one group of keys per tunnel,
//   tunnels.N.mode=listen|connect   tunnels.N.mdp_port=1..4294967295
//   tunnels.N.tcp_port=1..65535     tunnels.N.sid=SID (connect only)
//   tunnels.N.service=NAME (listen only)  tunnels.N.name=LABEL (logs, status)
// `listen` accepts MSP streams on MDP port mdp_port and forwards each to
// 127.0.0.1:tcp_port (`servald msp listen --forward=TCP_PORT MDP_PORT`);
// `connect` accepts TCP on 127.0.0.1:tcp_port and opens an MSP stream to
// SID:mdp_port for each (`servald msp connect --forward=TCP_PORT SID MDP_PORT`).
// Each value is checked by config-schema.ts; what needs several keys (a
// missing key, sid on a listener, two tunnels on one port) is checked here.
// Pure: unit-tested under Node.

export interface TunnelDef {
  /** The N of tunnels.N. */
  index: number;
  /** tunnels.N.name, else "N". */
  name: string;
  mode: "listen" | "connect";
  mdpPort: number;
  tcpPort: number;
  /** Upper-case hex (connect only). */
  sid: string | undefined;
  /** Service discovery name (listen only). */
  service: string | undefined;
}

export interface TunnelProblem {
  /** The key the problem is reported at (its line in the file). */
  key: string;
  text: string;
}

const KEY = /^tunnels\.(\d{1,9})\.([a-z_]+)$/;

/** The tunnels the (valid) entries define, in index order, and what is wrong
 * with the others (those are left out). */
export function tunnelsFromConfig(entries: Iterable<[string, string]>): { tunnels: TunnelDef[]; problems: TunnelProblem[] } {
  const groups = new Map<number, Map<string, string>>();
  for (const [k, v] of entries) {
    const m = KEY.exec(k);
    if (!m) continue;
    const n = Number(m[1]);
    let g = groups.get(n);
    if (!g) groups.set(n, (g = new Map()));
    g.set(m[2]!, v);
  }
  const tunnels: TunnelDef[] = [];
  const problems: TunnelProblem[] = [];
  const byName = new Map<string, TunnelDef>();
  const listenPorts = new Map<number, TunnelDef>();
  const tcpPorts = new Map<number, TunnelDef>();
  for (const n of [...groups.keys()].sort((a, b) => a - b)) {
    const g = groups.get(n)!;
    const at = (k: string): string => `tunnels.${n}.${g.has(k) ? k : [...g.keys()][0]}`;
    const bad = (k: string, text: string): void => { problems.push({ key: at(k), text: `tunnels.${n}: ${text}` }); };
    const mode = g.get("mode")?.toLowerCase();
    if (mode !== "listen" && mode !== "connect") { bad("mode", "needs tunnels.N.mode (listen or connect)"); continue; }
    if (!g.has("mdp_port")) { bad("mode", "needs tunnels.N.mdp_port"); continue; }
    if (!g.has("tcp_port")) { bad("mode", "needs tunnels.N.tcp_port"); continue; }
    if (mode === "listen" && g.has("sid")) { bad("sid", "sid is only for mode 'connect'"); continue; }
    if (mode === "connect" && !g.has("sid")) { bad("mode", "mode 'connect' needs tunnels.N.sid"); continue; }
    if (mode === "connect" && g.has("service")) { bad("service", "service is only for mode 'listen'"); continue; }
    const t: TunnelDef = {
      index: n, name: g.get("name") ?? String(n), mode, mdpPort: Number(g.get("mdp_port")), tcpPort: Number(g.get("tcp_port")),
      sid: g.get("sid")?.toUpperCase(), service: g.get("service"),
    };
    const sameName = byName.get(t.name);
    if (sameName) { bad("name", `name '${t.name}' is also tunnels.${sameName.index}'s`); continue; }
    const samePort = mode === "listen" ? listenPorts.get(t.mdpPort) : tcpPorts.get(t.tcpPort);
    if (samePort) {
      bad(mode === "listen" ? "mdp_port" : "tcp_port", mode === "listen"
        ? `mdp_port ${t.mdpPort} is also tunnels.${samePort.index}'s`
        : `tcp_port ${t.tcpPort} is also tunnels.${samePort.index}'s`);
      continue;
    }
    byName.set(t.name, t);
    if (mode === "listen") listenPorts.set(t.mdpPort, t);
    else tcpPorts.set(t.tcpPort, t);
    tunnels.push(t);
  }
  return { tunnels, problems };
}

/** Same tunnel (a reload keeps it running)? */
export function sameTunnel(a: TunnelDef, b: TunnelDef): boolean {
  return a.name === b.name && a.mode === b.mode && a.mdpPort === b.mdpPort && a.tcpPort === b.tcpPort &&
    a.sid === b.sid && a.service === b.service;
}

/** One line describing a tunnel, for logs. */
export function tunnelText(t: TunnelDef): string {
  return t.mode === "listen"
    ? `MDP port ${t.mdpPort} -> 127.0.0.1:${t.tcpPort}${t.service ? ` (service ${t.service})` : ""}`
    : `127.0.0.1:${t.tcpPort} -> ${t.sid}:${t.mdpPort}`;
}
