// Output formats of the client commands, checked against what Serval DNA printed
// in test/fixtures/serval-dna/relay/line_mesh_status.txt and line_ping_A_to_C.stdout.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodePing, encodePing, PingStats, pongLine } from "../../src/client/ping-stats.js";
import { routablePeers, routeTableText, table } from "../../src/client/route-format.js";
import { decodeRouteRecord, encodeRouteRecord, REACHABLE_INDIRECT, REACHABLE_SELF, REACHABLE_UNICAST, RouteRecord } from "../../src/wire/client-header.js";

const A = "3473F6315D833673706C5506357924B93FA42CB45973520E6130C6F18D0DA42C";
const B = "A91801A9A376A8AD374CE0A7F1C289344C5C354C10C00832B0FEDC83F467B913";
const C = "EDB8E412B8BF8B4E1E5AD149789451041650AB3AEE7C994FEBB07D35F1BE586F";
const bin = (h: string) => Uint8Array.from(h.match(/../g)!.map((x) => parseInt(x, 16)));

function rec(sid: string, reachable: number, hop: number, itf?: string, next?: string, prior?: string): RouteRecord {
  return { sid: bin(sid), signKey: undefined, combined: false, reachable, hopCount: hop, nextHop: next ? bin(next) : undefined,
    priorHop: prior ? bin(prior) : undefined, interfaceIndex: itf ? 0 : -1, interfaceState: 1, interfaceName: itf };
}

test("route print text matches Serval DNA's (node A of the relay capture)", () => {
  const records = [rec(A, REACHABLE_SELF, 0, "vAB"), rec(B, REACHABLE_UNICAST, 1, "vAB"), rec(C, REACHABLE_INDIRECT, 2, undefined, B)]
    .map((r) => decodeRouteRecord(encodeRouteRecord(r))!);
  assert.is(routeTableText(records),
    "5\nSubscriber id:Routing flags:Interface:Next hop:Prior hop\n" +
    `${A}:SELF:vAB::\n${B}:UNICAST:vAB::\n${C}:INDIRECT::${B}:\n`);
  assert.equal(routablePeers(records).map((r) => r.sid), [bin(B), bin(C)]);
});

test("route record round trip with signing key and 3 hops", () => {
  const r = { ...rec(C, REACHABLE_INDIRECT, 3, undefined, B, A), signKey: new Uint8Array(32).fill(7), combined: true };
  const d = decodeRouteRecord(encodeRouteRecord(r))!;
  assert.equal(d.signKey, r.signKey);
  assert.ok(d.combined);
  assert.equal(d.priorHop, bin(A));
  assert.is(decodeRouteRecord(encodeRouteRecord(r).subarray(0, 40)), undefined);
});

test("id peers table", () => {
  assert.is(table(["sid"], [[B], [C]]), `1\nsid\n${B}\n${C}\n`);
});

test("ping payload is u32 seq LE || u64 time LE", () => {
  const p = encodePing(0x01020304, 0x0000_0123_4567_89ab);
  assert.equal(Array.from(p), [4, 3, 2, 1, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01, 0, 0]);
  assert.equal(decodePing(p), { seq: 0x01020304, timeMs: 0x0000_0123_4567_89ab });
});

test("ping lines and statistics as Serval DNA prints them", () => {
  const s = new PingStats(0xfffffffe); // wraps
  const rtts = [18, 17, 21, 21, 22];
  const out: string[] = [];
  for (let i = 0; i < 5; i++) {
    const t = 1000 * i;
    const payload = s.transmit(t);
    const r = s.pong(payload, t + rtts[i])!;
    assert.is(r.kind, "first");
    out.push(pongLine(C, r.n, r.delay, 0, true, true));
  }
  assert.is(out[0], `${C}: seq=1 time=18ms hops=64 ENCRYPTED SIGNED`);
  assert.is(out[4], `${C}: seq=5 time=22ms hops=64 ENCRYPTED SIGNED`);
  assert.equal(s.summary(C), [
    `--- ${C} ping statistics ---`,
    "5 packets transmitted, 5 packets received (plus 0 duplicates, 0 ignored), 0.0% packet loss",
    "round-trip min/avg/max/stddev = 17/19.800/22/1.939 ms (5 samples)",
  ]);
});

test("duplicates, spurious pongs and loss are counted", () => {
  const s = new PingStats(10);
  const p1 = s.transmit(0);
  s.transmit(1000);
  assert.is(s.missing(), 2);
  assert.is(s.pong(p1, 5)!.kind, "first");
  assert.is(s.pong(p1, 6)!.kind, "duplicate");
  assert.is(s.pong(encodePing(10, 999), 7)!.kind, "ignored");
  assert.is(s.pong(new Uint8Array(4), 7), undefined);
  assert.is(s.missing(), 1);
  assert.is(s.summary("X")[1], "2 packets transmitted, 1 packets received (plus 1 duplicates, 1 ignored), 50.0% packet loss");
  assert.is(pongLine("X", 1, 5, 30, false, false), "X: seq=1 time=5ms hops=34");
});

test("a cancelled transmission is not counted", () => {
  const s = new PingStats(1);
  s.transmit(0);
  s.cancelLast();
  const p = s.transmit(10);
  assert.is(s.tx, 1);
  assert.is(s.pong(p, 15)!.n, 1);
  assert.is(s.missing(), 0);
});

test.run();
