// Pure parts of the daemon lifecycle: config schema (Serval DNA key names and
// value syntax), the key=value file format, instance paths, log level names.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkConfig, configBool, ConfigError, keyType } from "../../src/daemon/config-schema";
import { CONFIG_LINE_MAX, CONFIG_MAX_BYTES, formatConfig, parseConfig, parseConfigBytes } from "../../src/daemon/config-file";
import { instancePaths } from "../../src/daemon/paths";

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

test.run();
