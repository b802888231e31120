// Pure parts of the daemon lifecycle: config schema (Serval DNA key names and
// value syntax), the key=value file format, instance paths, log level names.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkConfig, configBool, ConfigError, keyType } from "../../src/daemon/config-schema";
import { CONFIG_LINE_MAX, CONFIG_MAX_BYTES, formatConfig, parseConfig, parseConfigBytes } from "../../src/daemon/config-file";
import { instancePaths } from "../../src/daemon/paths";
import { sameTunnel, tunnelsFromConfig, tunnelText } from "../../src/daemon/tunnel-config";

test("schema: Serval DNA keys and their types", () => {
  assert.is(keyType("interfaces.0.match"), "pattern_list");
  assert.is(keyType("interfaces.12.port"), "uint16_nonzero");
  assert.is(keyType("interfaces.3.type"), "interface_type");
  assert.is(keyType("interfaces.3.exclude"), "boolean");
  assert.is(keyType("interfaces.1.broadcast.tick_ms"), "int32_nonneg");
  assert.is(keyType("interfaces.1.unicast.send"), "boolean");
  assert.is(keyType("debug.overlayrouting"), "boolean");
  assert.is(keyType("log.console.level"), "log_level");
  assert.is(keyType("rhizome.enable"), "boolean");
  for (const k of ["foo", "debug.nope", "interfaces.x.match", "interfaces.0.nope", "interfaces.0.broadcast.match", "log.console", "interfaces.0"]) {
    assert.is(keyType(k), null, k);
  }
});

test("schema: value checks with one-line messages", () => {
  const ok: Array<[string, string]> = [
    ["interfaces.0.match", "eth*,wlan0"], ["interfaces.0.match", "eth0 wlan*"], ["interfaces.0.port", "4110"],
    ["interfaces.0.type", "WiFi"], ["interfaces.0.exclude", "Yes"], ["debug.msp", "0"], ["log.console.level", "hint"],
    ["interfaces.0.dummy_address", "10.0.0.1"], ["log.file.duration", "1h"], ["server.chdir", "/"],
  ];
  for (const [k, v] of ok) checkConfig(k, v);
  const bad: Array<[string, string, RegExp]> = [
    ["nope.key", "1", /^unknown config key 'nope.key'$/],
    ["interfaces.0.port", "0", /^bad value '0' for interfaces.0.port: expected integer 1..65535$/],
    ["interfaces.0.port", "65536", /expected integer 1..65535/],
    ["interfaces.0.port", "41x", /expected integer/],
    ["debug.msp", "maybe", /expected boolean: one of true, false, yes, no, on, off, 1, 0/],
    ["interfaces.0.type", "lte", /expected interface type: one of ethernet, wifi/],
    ["interfaces.0.match", " , ", /list of interface name patterns/],
    ["interfaces.0.match", "x".repeat(41), /at most 16 patterns of at most 40 characters/],
    ["log.console.level", "loud", /expected log level/],
    ["server.chdir", "tmp", /absolute path/],
    ["interfaces.0.dummy_address", "10.0.0.256", /IPv4 address/],
    ["interfaces.0.match", "a\nb", /must be one line/],
  ];
  for (const [k, v, re] of bad) {
    try {
      checkConfig(k, v);
      assert.unreachable(`${k}=${v} accepted`);
    } catch (e) {
      assert.instance(e, ConfigError);
      assert.match((e as Error).message, re);
    }
  }
  assert.is(configBool("On", false), true);
  assert.is(configBool("0", true), false);
  assert.is(configBool(undefined, true), true);
});

test("file: Serval key=value lines, comments, blank lines, CRLF, problems with line numbers", () => {
  const text = "# comment\n\ninterfaces.0.match=eth0\r\ninterfaces.0.port=4110\nbogus line\ndebug.msp=perhaps\nx.y=1\ninterfaces.0.port=4111\nlog.console.level=debug";
  const p = parseConfig(text, "serval.conf");
  assert.equal([...p.entries], [["interfaces.0.match", "eth0"], ["interfaces.0.port", "4110"], ["log.console.level", "debug"]]);
  assert.equal([...p.all.keys()], ["interfaces.0.match", "interfaces.0.port", "debug.msp", "x.y", "log.console.level"]);
  assert.equal(p.problems, [
    "serval.conf:5: malformed configuration line",
    "serval.conf:6: bad value 'perhaps' for debug.msp: expected boolean: one of true, false, yes, no, on, off, 1, 0",
    "serval.conf:7: unknown config key 'x.y'",
    "serval.conf:8: duplicate configuration option interfaces.0.port",
  ]);
  assert.is(formatConfig(p.entries), "interfaces.0.match=eth0\ninterfaces.0.port=4110\nlog.console.level=debug\n");
  // values are kept verbatim, including '=' and spaces
  assert.is(parseConfig("server.motd= a=b \n", "f").entries.get("server.motd"), " a=b ");
});

test("file bytes (issue 13): NUL bytes, invalid UTF-8, overlong lines and oversize files are problems with file:line", () => {
  const enc = (t: string) => new TextEncoder().encode(t);
  const cat = (...parts: Uint8Array[]) => { const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0)); let o = 0; for (const p of parts) { out.set(p, o); o += p.length; } return out; };
  const long = new Uint8Array(CONFIG_LINE_MAX + 1).fill(0x61);
  const bytes = cat(enc("interfaces.0.match=eth0\n"), enc("server.motd=a\0b\n"), new Uint8Array([0x78, 0xff, 0x3d, 0x31, 10]), long, enc("\nserver.motd=h\u00e9llo\ngarbage\n"));
  const p = parseConfigBytes(bytes, "/etc/serval/serval.conf");
  assert.equal(p.problems, [
    "/etc/serval/serval.conf:2: NUL byte at column 14",
    "/etc/serval/serval.conf:3: not UTF-8 text",
    `/etc/serval/serval.conf:4: line too long (${CONFIG_LINE_MAX + 1} bytes, at most ${CONFIG_LINE_MAX})`,
    "/etc/serval/serval.conf:6: malformed configuration line",
  ]);
  assert.equal([...p.entries], [["interfaces.0.match", "eth0"], ["server.motd", "h\u00e9llo"]]);
  // A 5 MB line: only CONFIG_MAX_BYTES + 1 are read; the file is refused, naming the line.
  const head = cat(enc("interfaces.0.match=eth0\nserver.motd="), new Uint8Array(CONFIG_MAX_BYTES).fill(0x61));
  const big = parseConfigBytes(head.subarray(0, CONFIG_MAX_BYTES + 1), "c", 5 * 1024 * 1024);
  assert.equal(big.problems, [`c:2: file too large (${5 * 1024 * 1024} bytes, at most ${CONFIG_MAX_BYTES}); not read beyond byte ${CONFIG_MAX_BYTES}`]);
  assert.equal([...big.entries], [["interfaces.0.match", "eth0"]]);
  // Text and bytes agree on ordinary files.
  const text = "# c\r\ninterfaces.0.match=eth0\r\nx.y=1\n";
  assert.equal(parseConfigBytes(enc(text), "f"), parseConfig(text, "f"));
  assert.equal(parseConfigBytes(enc("\u20ac=\ud83d\ude00"), "f").problems, ["f:1: unknown config key '\u20ac'"]);
});

test("paths: defaults and the three environment variables", () => {
  const env = (vars: Record<string, string>) => (n: string) => vars[n];
  assert.equal(instancePaths(env({})), {
    instance: "/etc/serval", run: "/var/run/serval", configFile: "/etc/serval/serval.conf",
    keyring: "/etc/serval/serval.keyring", pidFile: "/var/run/serval/servald.pid", logFile: "/var/run/serval/servald.log",
    lockFile: "/var/run/serval/servald.lock",
  });
  const a = instancePaths(env({ SERVALINSTANCE_PATH: "/tmp/i/" }));
  assert.equal([a.instance, a.run, a.configFile, a.pidFile], ["/tmp/i", "/tmp/i", "/tmp/i/serval.conf", "/tmp/i/servald.pid"]);
  const b = instancePaths(env({ SERVALINSTANCE_PATH: "/tmp/i", SERVAL_RUN_PATH: "/run/s", SERVAL_CONFIG_FILE: "/var/etc/serval/serval.conf" }));
  assert.equal([b.run, b.configFile, b.keyring], ["/run/s", "/var/etc/serval/serval.conf", "/tmp/i/serval.keyring"]);
});

const TSID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

test("tunnels: keys and values (tunnels.N.*)", () => {
  assert.is(keyType("tunnels.0.mode"), "tunnel_mode");
  assert.is(keyType("tunnels.12.mdp_port"), "uint32_nonzero");
  assert.is(keyType("tunnels.1.tcp_port"), "uint16_nonzero");
  assert.is(keyType("tunnels.1.sid"), "sid");
  for (const k of ["tunnels.0", "tunnels.x.mode", "tunnels.0.once", "tunnels.0.forward"]) assert.is(keyType(k), null, k);
  for (const [k, v] of [["tunnels.0.mode", "Listen"], ["tunnels.0.mdp_port", "4294967295"], ["tunnels.0.sid", TSID], ["tunnels.0.service", "ssh-1.x"], ["tunnels.0.name", "cfg03d3bb"]]) checkConfig(k!, v!);
  const bad: Array<[string, string, RegExp]> = [
    ["tunnels.0.mode", "both", /expected tunnel mode: one of listen, connect/],
    ["tunnels.0.mdp_port", "0", /expected integer > 0/],
    ["tunnels.0.mdp_port", "4294967296", /expected integer > 0/],
    ["tunnels.0.tcp_port", "65536", /expected integer 1..65535/],
    ["tunnels.0.sid", "0".repeat(64), /expected a node's SID/],
    ["tunnels.0.sid", "F".repeat(64), /expected a node's SID/],
    ["tunnels.0.sid", TSID.slice(1), /expected a node's SID/],
    ["tunnels.0.service", "my service", /expected service name/],
    ["tunnels.0.name", "", /expected tunnel name/],
  ];
  for (const [k, v, re] of bad) {
    try {
      checkConfig(k, v);
      assert.unreachable(`${k}=${v} accepted`);
    } catch (e) {
      assert.match((e as Error).message, re);
    }
  }
});

test("tunnels: groups checked across keys, problems at the line of the key concerned", () => {
  const text = [
    "tunnels.0.mode=listen", "tunnels.0.mdp_port=22", "tunnels.0.tcp_port=22", "tunnels.0.service=ssh", "tunnels.0.name=ssh_in", // 1-5 ok
    "tunnels.1.mode=connect", "tunnels.1.mdp_port=22", "tunnels.1.tcp_port=2222", // 6-8: no sid
    "tunnels.2.mode=listen", "tunnels.2.mdp_port=22", "tunnels.2.tcp_port=23", // 9-11: port of tunnels.0
    `tunnels.3.mode=connect`, "tunnels.3.mdp_port=22", "tunnels.3.tcp_port=2222", `tunnels.3.sid=${TSID}`, // 12-15 ok
    `tunnels.4.mode=connect`, "tunnels.4.mdp_port=23", "tunnels.4.tcp_port=2222", `tunnels.4.sid=${TSID}`, // 16-19: tcp port of 3
    "tunnels.5.mdp_port=1", // 20: no mode
    "tunnels.6.mode=listen", "tunnels.6.tcp_port=1", `tunnels.6.sid=${TSID}`, "tunnels.6.mdp_port=7", // 21-24: sid on a listener
    "tunnels.7.mode=connect", "tunnels.7.mdp_port=7", "tunnels.7.tcp_port=7", `tunnels.7.sid=${TSID}`, "tunnels.7.service=x", // 25-29
    "tunnels.8.mode=listen", "tunnels.8.mdp_port=8", "tunnels.8.tcp_port=8", "tunnels.8.name=ssh_in", // 30-33: name taken
    "tunnels.9.mode=listen", "tunnels.9.mdp_port=9", // 34-35: no tcp_port
  ].join("\n");
  const p = parseConfig(text, "s.conf");
  assert.equal(p.problems, [
    "s.conf:6: tunnels.1: mode 'connect' needs tunnels.N.sid",
    "s.conf:10: tunnels.2: mdp_port 22 is also tunnels.0's",
    "s.conf:18: tunnels.4: tcp_port 2222 is also tunnels.3's",
    "s.conf:20: tunnels.5: needs tunnels.N.mode (listen or connect)",
    "s.conf:23: tunnels.6: sid is only for mode 'connect'",
    "s.conf:29: tunnels.7: service is only for mode 'listen'",
    "s.conf:33: tunnels.8: name 'ssh_in' is also tunnels.0's",
    "s.conf:34: tunnels.9: needs tunnels.N.tcp_port",
  ]);
  const { tunnels } = tunnelsFromConfig(p.entries);
  assert.equal(tunnels, [
    { index: 0, name: "ssh_in", mode: "listen", mdpPort: 22, tcpPort: 22, sid: undefined, service: "ssh" },
    { index: 3, name: "3", mode: "connect", mdpPort: 22, tcpPort: 2222, sid: TSID.toUpperCase(), service: undefined },
  ]);
  assert.is(tunnelText(tunnels[0]!), "MDP port 22 -> 127.0.0.1:22 (service ssh)");
  assert.is(tunnelText(tunnels[1]!), `127.0.0.1:2222 -> ${TSID.toUpperCase()}:22`);
  assert.ok(sameTunnel(tunnels[0]!, { ...tunnels[0]!, index: 5 }), "renumbered: the same tunnel");
  assert.not.ok(sameTunnel(tunnels[0]!, { ...tunnels[0]!, tcpPort: 23 }));
  // the byte parser (what start reads) reports the same
  assert.equal(parseConfigBytes(new TextEncoder().encode(text), "s.conf").problems, p.problems);
});

test.run();
