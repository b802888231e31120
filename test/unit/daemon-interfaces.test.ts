import { test } from "uvu";
import * as assert from "uvu/assert";
import { globMatch, inSubnet, rulesFromConfig, selectInterfaces, SystemInterface } from "../../src/daemon/interfaces-match.js";
import { ipv4Format, ipv4Parse as ipv4ToInt } from "../../src/platform/ipv4.js";

test("globs", () => {
  assert.ok(globMatch("eth*", "eth0"));
  assert.ok(globMatch("eth*", "eth"));
  assert.not.ok(globMatch("eth*", "veth0"));
  assert.ok(globMatch("vA*", "vAB"));
  assert.ok(globMatch("wlan?", "wlan1"));
  assert.not.ok(globMatch("wlan?", "wlan10"));
  assert.ok(globMatch("*", "anything"));
  assert.ok(globMatch("eth[0-2]", "eth1"));
  assert.not.ok(globMatch("eth[!0-2]", "eth1"));
  assert.ok(globMatch("a*b*c", "axxbyyc"));
  assert.not.ok(globMatch("a*b*c", "axxbyy"));
});

test("subnets", () => {
  const a = ipv4ToInt("10.77.1.1")!, m = ipv4ToInt("255.255.255.0")!;
  assert.ok(inSubnet(ipv4ToInt("10.77.1.2")!, a, m));
  assert.not.ok(inSubnet(ipv4ToInt("10.77.2.2")!, a, m));
});

test("addresses are int32 (as the shim's udpRecvMany gives them): 128.0.0.0 and up negative, round trip, subnets", () => {
  // a uint32 above 2^31 is a float64 in the engine: soft-float per compare on a router
  for (const s of ["192.168.1.5", "255.255.255.255", "128.0.0.0", "10.0.0.1", "0.0.0.0", "172.16.0.1"]) {
    const n = ipv4ToInt(s)!;
    assert.is(n, n | 0, s);
    assert.is(ipv4Format(n), s);
  }
  assert.is(ipv4ToInt("192.168.1.5"), (0xc0a80105 | 0));
  assert.is(ipv4ToInt("255.255.255.255"), -1);
  const a = ipv4ToInt("192.168.1.1")!, m = ipv4ToInt("255.255.255.0")!;
  assert.ok(inSubnet(ipv4ToInt("192.168.1.200")!, a, m));
  assert.not.ok(inSubnet(ipv4ToInt("192.168.2.200")!, a, m));
  assert.ok(inSubnet(ipv4ToInt("10.1.2.3")!, ipv4ToInt("10.0.0.1")!, ipv4ToInt("255.0.0.0")!));
  assert.is(ipv4ToInt("192.168.1.256"), null);
});

const sys: SystemInterface[] = [
  { name: "lo", addr: "127.0.0.1", netmask: "255.0.0.0", broadcast: "0.0.0.0", up: true, loopback: true },
  { name: "vAB", addr: "10.77.1.1", netmask: "255.255.255.0", broadcast: "10.77.1.255", up: true, loopback: false },
  { name: "vAC", addr: "10.77.3.1", netmask: "255.255.255.0", broadcast: "10.77.3.255", up: false, loopback: false },
  { name: "eth0", addr: "192.168.1.5", netmask: "255.255.255.0", broadcast: "192.168.1.255", up: true, loopback: false },
  { name: "eth0", addr: "192.168.9.5", netmask: "255.255.255.0", broadcast: "192.168.9.255", up: true, loopback: false },
];

test("rules from config keys, ordered by N; first matching rule decides; exclude; down skipped", () => {
  const rules = rulesFromConfig([
    ["interfaces.2.match", "eth*"], ["interfaces.1.match", "vA*, lo"], ["interfaces.1.port", "4111"],
    ["interfaces.0.match", "eth0"], ["interfaces.0.exclude", "true"], ["log.console.level", "debug"],
  ]);
  assert.is(rules.length, 3);
  assert.equal(rules[1].match, ["vA*", "lo"]);
  const sel = selectInterfaces(rules, sys);
  assert.equal(sel.map((s) => [s.name, s.port]), [["vAB", 4111]]);
  assert.is(sel[0].broadcast, ipv4ToInt("10.77.1.255"));
});

test("no rules: no interfaces; one entry per name", () => {
  assert.equal(selectInterfaces([], sys), []);
  const sel = selectInterfaces(rulesFromConfig([["interfaces.1.match", "eth*"]]), sys);
  assert.equal(sel.map((s) => s.name), ["eth0"]);
  assert.is(sel[0].port, 4110);
});

test.run();
