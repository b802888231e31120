// Found by the live run against a real servald (docs/INTEROP.md): a veth that
// is administratively up but whose carrier is not yet reported (operstate
// "down", no IFF_RUNNING, for up to ~1 s after `ip link set up`) was skipped,
// so the daemon stayed deaf on it until the next 5 s rescan; the real servald
// listed our node only after 5.5 s instead of 0.5 s. Serval DNA registers every
// up, broadcast-capable IPv4 address (lsif.c / netlink RTM_NEWADDR) and never
// looks at IFF_RUNNING, so neither may we.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { rulesFromConfig, selectInterfaces, SystemInterface } from "../../src/daemon/interfaces-match.js";
import { ipv4Parse as ipv4ToInt } from "../../src/platform/ipv4.js";

const rules = rulesFromConfig([["interfaces.1.match", "vBA"], ["interfaces.2.match", "vBC"]]);

test("an up interface whose carrier is not reported yet is used (as Serval DNA does)", () => {
  const sys: SystemInterface[] = [
    { name: "vBA", addr: "10.213.1.2", netmask: "255.255.255.0", broadcast: "10.213.1.255", up: true, running: false, loopback: false },
    { name: "vBC", addr: "10.213.2.1", netmask: "255.255.255.0", broadcast: "10.213.2.255", up: true, running: true, loopback: false },
  ];
  const sel = selectInterfaces(rules, sys);
  assert.equal(sel.map((s) => s.name), ["vBA", "vBC"]);
  assert.is(sel[0].broadcast, ipv4ToInt("10.213.1.255"));
});

test("an administratively down interface is still skipped", () => {
  const sys: SystemInterface[] = [
    { name: "vBA", addr: "10.213.1.2", netmask: "255.255.255.0", broadcast: "10.213.1.255", up: false, running: false, loopback: false },
  ];
  assert.equal(selectInterfaces(rules, sys), []);
});

test.run();
