// Pure parts of the daemon lifecycle: config schema (Serval DNA key names and
// value syntax), the key=value file format, instance paths, log level names.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkConfig, configBool, ConfigError, keyType } from "../../src/daemon/config-schema";
import { formatConfig, parseConfig } from "../../src/daemon/config-file";
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

test("paths: defaults and the three environment variables", () => {
  const env = (vars: Record<string, string>) => (n: string) => vars[n];
  assert.equal(instancePaths(env({})), {
    instance: "/etc/serval", run: "/var/run/serval", configFile: "/etc/serval/serval.conf",
    keyring: "/etc/serval/serval.keyring", pidFile: "/var/run/serval/servald.pid", logFile: "/var/run/serval/servald.log",
  });
  const a = instancePaths(env({ SERVALINSTANCE_PATH: "/tmp/i/" }));
  assert.equal([a.instance, a.run, a.configFile, a.pidFile], ["/tmp/i", "/tmp/i", "/tmp/i/serval.conf", "/tmp/i/servald.pid"]);
  const b = instancePaths(env({ SERVALINSTANCE_PATH: "/tmp/i", SERVAL_RUN_PATH: "/run/s", SERVAL_CONFIG_FILE: "/var/etc/serval/serval.conf" }));
  assert.equal([b.run, b.configFile, b.keyring], ["/run/s", "/var/etc/serval/serval.conf", "/tmp/i/serval.keyring"]);
});

test.run();
