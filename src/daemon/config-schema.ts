// Configuration keys servald accepts: the subset of Serval DNA's schema
// (conf_schema.h) that applies to this daemon, with the same key names and
// value syntax, so a Serval DNA serval.conf for these keys works unchanged.
// Pure: unit-tested under Node.

export class ConfigError extends Error {}

type Check = (v: string) => string | null; // null = ok, else what is wrong

const lower = (v: string): string => v.toLowerCase();
const oneOf = (what: string, words: string[]): Check => (v) =>
  words.includes(lower(v)) ? null : `${what}: one of ${words.join(", ")}`;

const intRange = (min: number, max: number, what: string): Check => (v) => {
  if (!/^\d+$/.test(v)) return `${what}`;
  const n = Number(v);
  return n >= min && n <= max ? null : `${what}`;
};

const CHECKS = {
  boolean: oneOf("boolean", ["true", "false", "yes", "no", "on", "off", "1", "0"]),
  uint16_nonzero: intRange(1, 65535, "integer 1..65535"),
  ushort: intRange(0, 65535, "integer 0..65535"),
  int32_nonneg: intRange(0, 0x7fffffff, "integer >= 0"),
  uint32_nonzero: intRange(1, 0xffffffff, "integer > 0"),
  percent: intRange(0, 100, "percentage 0..100"),
  // Table caps (this daemon's own keys; Serval DNA has none): see MESH_LIMIT_KEYS.
  neighbours_cap: intRange(1, 1024, "integer 1..1024"),
  table_cap: intRange(16, 65536, "integer 16..65536"),
  log_level: oneOf("log level", ["none", "fatal", "error", "warn", "hint", "info", "debug", "silent"]),
  interface_type: oneOf("interface type", ["ethernet", "wifi", "catear", "any", "other", "unknown"]),
  socket_type: oneOf("socket type", ["dgram", "stream", "file", "external"]),
  encapsulation: oneOf("encapsulation", ["overlay", "single"]),
  str: (): string | null => null,
  str_nonempty: (v: string) => (v.length ? null : "non-empty text"),
  absolute_path: (v: string) => (v.startsWith("/") ? null : "absolute path"),
  in_addr: (v: string) => (/^(\d{1,3})(\.\d{1,3}){3}$/.test(v) && v.split(".").every((b) => Number(b) <= 255) ? null : "IPv4 address"),
  time_interval: (v: string) => (/^\d+(\.\d+)?[smhd]?$/.test(v) ? null : "time interval (e.g. 3600, 60s, 1h)"),
  // A node's SID: 64 hex digits, neither the "any" (all 0) nor the broadcast (all F) SID.
  sid: (v: string) => (/^[0-9a-fA-F]{64}$/.test(v) && !/^0+$/.test(v) && !/^[fF]+$/.test(v) ? null : "a node's SID (64 hex digits)"),
  tunnel_mode: oneOf("tunnel mode", ["listen", "connect"]),
  service_name: (v: string) => (/^[A-Za-z0-9_.-]{1,64}$/.test(v) ? null : "service name (1-64 letters, digits, '.', '_', '-')"),
  tunnel_name: (v: string) => (/^[A-Za-z0-9_.-]{1,64}$/.test(v) ? null : "tunnel name (1-64 letters, digits, '.', '_', '-')"),
  // Serval's pattern_list: up to 16 interface-name globs (<= 40 chars each), separated by commas/spaces
  pattern_list: (v: string) => {
    const pats = v.split(/[\s,]+/).filter(Boolean);
    if (pats.length === 0) return "list of interface name patterns";
    if (pats.length > 16 || pats.some((p) => p.length > 40)) return "at most 16 patterns of at most 40 characters";
    return null;
  },
} satisfies Record<string, Check>;

type TypeName = keyof typeof CHECKS;

const DEBUG_FLAGS = [
  "verbose", "ack", "config", "dnahelper", "timing", "http_server", "httpd", "nohttptx", "io", "jni",
  "verbose_io", "keyring", "mdprequests", "mdp_filter", "msp", "monitor", "radio_link", "overlaybuffer",
  "overlayframes", "packets_sent", "overlaytick", "overlayrouting", "overlayinterfaces", "broadcasts",
  "packettx", "packetrx", "packetradio", "rhizome", "rhizome_manifest", "rhizome_sql_bind",
  "rhizome_store", "rhizome_sync", "rhizome_sync_keys", "rhizome_tx", "rhizome_rx", "rhizome_ads",
  "rhizome_mdp_rx", "rhizome_direct", "server", "subscriber", "meshms", "meshmb", "vomp", "profiling",
  "linkstate", "watchdog",
];

const LOG_FORMAT: Record<string, TypeName> = { show_pid: "boolean", show_time: "boolean", level: "log_level" };
const IFTYPE: Record<string, TypeName> = {
  mtu: "int32_nonneg", tick_ms: "int32_nonneg", packet_interval: "int32_nonneg",
  reachable_timeout_ms: "int32_nonneg", transmit_timeout_ms: "int32_nonneg",
  drop: "boolean", send: "boolean", route: "boolean", encapsulation: "encapsulation",
};
const INTERFACE: Record<string, TypeName> = {
  exclude: "boolean", match: "pattern_list", socket_type: "socket_type", file: "str_nonempty",
  dummy_address: "in_addr", dummy_netmask: "in_addr", port: "uint16_nonzero", drop_packets: "percent",
  match_type: "interface_type", type: "interface_type", idle_tick_ms: "int32_nonneg",
  default_route: "boolean", prefer_unicast: "boolean", debug: "boolean", point_to_point: "boolean",
};

/** Exact key -> type. */
const FIXED = new Map<string, TypeName>();
for (const f of DEBUG_FLAGS) FIXED.set(`debug.${f}`, "boolean");
for (const [k, t] of Object.entries(LOG_FORMAT)) {
  FIXED.set(`log.console.${k}`, t);
  FIXED.set(`log.file.${k}`, t);
}
FIXED.set("log.file.path", "str_nonempty");
FIXED.set("log.file.directory_path", "str");
FIXED.set("log.file.rotate", "ushort");
FIXED.set("log.file.duration", "time_interval");
FIXED.set("server.chdir", "absolute_path");
FIXED.set("server.interface_path", "str_nonempty");
FIXED.set("server.config_reload_interval_ms", "uint32_nonzero");
FIXED.set("server.motd", "str_nonempty");
FIXED.set("mdp.enable_inet", "boolean");
FIXED.set("mdp.filter_rules_path", "str_nonempty");
FIXED.set("rhizome.enable", "boolean");
FIXED.set("mdp.max_neighbours", "neighbours_cap");
FIXED.set("mdp.max_subscribers", "table_cap");
FIXED.set("mdp.max_routes", "table_cap");

/** Config keys of the mesh's table caps -> MeshLimits fields (src/mdp/api.ts). */
export const MESH_LIMIT_KEYS = {
  "mdp.max_neighbours": "neighbours", "mdp.max_subscribers": "subscribers", "mdp.max_routes": "routes",
} as const;

/** The table caps set in a config (validated); absent keys keep the node's defaults. */
export function meshLimitsFromConfig(entries: Iterable<[string, string]>): Partial<Record<(typeof MESH_LIMIT_KEYS)[keyof typeof MESH_LIMIT_KEYS], number>> {
  const out: Partial<Record<(typeof MESH_LIMIT_KEYS)[keyof typeof MESH_LIMIT_KEYS], number>> = {};
  for (const [k, v] of entries) {
    if (!Object.prototype.hasOwnProperty.call(MESH_LIMIT_KEYS, k)) continue;
    checkConfig(k, v);
    out[MESH_LIMIT_KEYS[k as keyof typeof MESH_LIMIT_KEYS]] = Number(v);
  }
  return out;
}

/** Daemon-hosted MSP tunnels (src/daemon/tunnel-config.ts): tunnels.N.KEY. Not Serval DNA keys. */
const TUNNEL: Record<string, TypeName> = {
  name: "tunnel_name", mode: "tunnel_mode", mdp_port: "uint32_nonzero", tcp_port: "uint16_nonzero",
  sid: "sid", service: "service_name",
};
const TUNNEL_KEY = /^tunnels\.(\d{1,9})\.([a-z_]+)$/;

const INTERFACE_KEY = /^interfaces\.(\d{1,9})\.(?:(broadcast|unicast)\.)?([a-z_]+)$/;

/** The value type of a key, or null if servald does not know the key. */
export function keyType(key: string): TypeName | null {
  const t = FIXED.get(key);
  if (t) return t;
  const tm = TUNNEL_KEY.exec(key);
  if (tm) return Object.prototype.hasOwnProperty.call(TUNNEL, tm[2]!) ? TUNNEL[tm[2]!]! : null;
  const m = INTERFACE_KEY.exec(key);
  if (!m) return null;
  const table = m[2] ? IFTYPE : INTERFACE;
  return Object.prototype.hasOwnProperty.call(table, m[3]!) ? table[m[3]!]! : null;
}

/** Throws ConfigError "unknown config key 'x'" or "bad value 'v' for k: expected ...". */
export function checkConfig(key: string, value: string): void {
  const t = keyType(key);
  if (!t) throw new ConfigError(`unknown config key '${key}'`);
  if (/[\r\n]/.test(value)) throw new ConfigError(`bad value for ${key}: must be one line`);
  const problem = CHECKS[t](value);
  if (problem) throw new ConfigError(`bad value '${value}' for ${key}: expected ${problem}`);
}

/** Serval's boolean spelling -> boolean (for callers reading the config). */
export function configBool(value: string | undefined, def: boolean): boolean {
  if (value === undefined) return def;
  return ["true", "yes", "on", "1"].includes(value.toLowerCase());
}
