// What wakes the node (src/mdp/timers.ts): every deadline pollTimeout reports is
// acted on by handleTimeout. After handleTimeout(t) at a reported deadline t,
// and draining pollTransmit as the driver does, pollTimeout is later than t (or
// undefined): no deadline is reported that nothing handles (a driver would spin
// on it). Checked on every timeout of every node over lossy lines carrying data.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SimNet, type SimNode } from "../helpers/simnet";
import type { Transmit } from "../../src/mdp/node";
import type { HopAcks } from "../../src/mdp/hop-acks";
import type { NodeContext } from "../../src/mdp/context";
import type { Adverts } from "../../src/mdp/adverts";
import type { Iface, LinkIn, Neighbour } from "../../src/mdp/neighbours";
import type { LinkRecordRepr } from "../../src/wire/types";
import { ackRecord } from "../../src/mdp/link-state";
import { lossyGrid2x3 } from "../helpers/sim-grid";

interface Watch {
  handled: number;
  stillDue: string[];
}

/** Check the property on each handleTimeout of n (transmits are held back and
 * handed to SimNet afterwards, in order). */
function watch(sn: SimNode, w: Watch): void {
  const node = sn.node;
  const held: Transmit[] = [];
  const poll = node.pollTransmit.bind(node);
  node.pollTransmit = () => held.shift() ?? poll();
  const handle = node.handleTimeout.bind(node);
  node.handleTimeout = (now: number) => {
    const due = node.pollTimeout();
    handle(now);
    if (due === undefined || due > now) return;
    w.handled++;
    for (let t = poll(); t; t = poll()) held.push(t);
    const after = node.pollTimeout();
    if (after !== undefined && after <= now) w.stillDue.push(`${sn.name} at ${now}: due ${due}, then ${after}`);
  };
}

for (const [seed, loss] of [[1, 0], [7, 0.1], [9, 0.3]] as const) {
  test(`a reported deadline is handled: 5 nodes in a line, ${loss * 100}% loss, unicast and broadcast data`, () => {
    const net = new SimNet({ seed });
    const nodes = net.line(["A", "B", "C", "D", "E"], loss, 5);
    const w: Watch = { handled: 0, stillDue: [] };
    for (const n of nodes) watch(n, w);
    for (const n of nodes) { net.start(n); net.runFor(200); }
    const a = nodes[0], e = nodes[4];
    e.node.bind(undefined, 77);
    for (let i = 0; i < 500; i++) {
      net.send(a, { srcPort: 9, dstSid: e.identity.sid, dstPort: 77, payload: new Uint8Array(200) });
      if (i % 50 === 0) net.send(e, { srcPort: 9, dstPort: 77, payload: new Uint8Array(20), noCrypt: true });
      net.runFor(4);
    }
    net.stop(nodes[2]);
    net.runFor(6000); // routes lost, frames given up, neighbours expired
    net.start(nodes[2]);
    net.runFor(10000);
    assert.ok(w.handled > 1000, `timeouts seen: ${w.handled}`);
    assert.equal(w.stillDue, [], "deadlines still due after handleTimeout");
  });
}

// HopAcks keeps the earliest ACK due instead of walking the neighbours per
// wakeup: after every input it must equal that walk (or a deadline would be
// missed, or a wakeup spent on nothing).
test("the kept earliest ACK due equals the neighbours' earliest ackDueAt after every input (lossy line, a node leaving and coming back)", () => {
  const net = new SimNet({ seed: 3 });
  const nodes = net.line(["A", "B", "C", "D"], 0.2, 5);
  let checked = 0;
  const wrong: string[] = [];
  for (const sn of nodes) {
    const inner = sn.node as unknown as { acks: HopAcks; cx: NodeContext };
    const check = (now: number): void => {
      let walk = Infinity;
      for (const n of inner.cx.nt.list) if (n.ackDueAt < walk) walk = n.ackDueAt;
      const kept = inner.acks.nextAckDue();
      checked++;
      if (kept !== walk && wrong.length < 5) wrong.push(`${sn.name} at ${now}: kept ${kept}, walk ${walk}`);
    };
    const handle = sn.node.handleTimeout.bind(sn.node);
    sn.node.handleTimeout = (now: number) => { handle(now); check(now); };
    const packet = sn.node.handlePacket.bind(sn.node);
    sn.node.handlePacket = (...a: Parameters<typeof packet>) => { packet(...a); check(a[0]); };
  }
  for (const n of nodes) { net.start(n); net.runFor(200); }
  const a = nodes[0], d = nodes[3];
  d.node.bind(undefined, 77);
  for (let i = 0; i < 200; i++) {
    net.send(a, { srcPort: 9, dstSid: d.identity.sid, dstPort: 77, payload: new Uint8Array(100) });
    net.runFor(10);
  }
  net.stop(nodes[1]);
  net.runFor(6000);
  net.start(nodes[1]);
  net.runFor(5000);
  assert.ok(checked > 1000, `inputs checked: ${checked}`);
  assert.equal(wrong, [], "kept earliest ACK due differs from the walk");
});

// Adverts keeps the earliest interface tick (tickDueAt) instead of looking at
// every interface per packet and per wakeup: after every input and every
// interface added or removed it must equal that walk.
test("the kept earliest interface tick equals the interfaces' earliest nextTickAt after every input and interface change", () => {
  const net = new SimNet({ seed: 5 });
  const [a, b, c] = net.line(["A", "B", "C"], 0.1, 5);
  const inner = b.node as unknown as { adverts: Adverts; cx: NodeContext };
  let checked = 0;
  const wrong: string[] = [];
  const check = (why: string): void => {
    let walk = Infinity;
    for (const f of inner.cx.ifaceList) if (f.nextTickAt < walk) walk = f.nextTickAt;
    checked++;
    if (inner.adverts.tickDueAt !== walk && wrong.length < 5) wrong.push(`${why} at ${net.time}: kept ${inner.adverts.tickDueAt}, walk ${walk}`);
  };
  const handle = b.node.handleTimeout.bind(b.node);
  b.node.handleTimeout = (now: number) => { handle(now); check("timeout"); };
  const packet = b.node.handlePacket.bind(b.node);
  b.node.handlePacket = (...x: Parameters<typeof packet>) => { packet(...x); check("packet"); };
  for (const n of [a, b, c]) { net.start(n); net.runFor(200); }
  net.runFor(3000);
  // (interfaces of their own, with another tick period, added late and removed)
  b.node.addInterface({ index: 7, name: "x7", broadcastAddress: "x7:4110", tickMs: 300 });
  check("added");
  net.runFor(1700);
  b.node.addInterface({ index: 8, name: "x8", broadcastAddress: "x8:4110", tickMs: 300 });
  check("added");
  net.runFor(1100);
  b.node.removeInterface(7);
  check("removed");
  net.runFor(1300);
  b.node.removeInterface(8);
  check("removed");
  net.runFor(1000);
  assert.ok(checked > 50, `inputs checked: ${checked}`);
  assert.equal(wrong, [], "kept earliest interface tick differs from the walk");
});

// The unicast tick takes a neighbour's link for its ACK record from what
// tickRecords found in the same pass (HopAcks.tickLink) instead of walking its
// links again: whenever it does, the record must be the one that walk gives.
interface TickLinks {
  tickLink(n: Neighbour, iface: Iface): LinkIn | undefined;
  ackRecordFor(now: number, n: Neighbour): LinkRecordRepr | undefined;
}
/** An ACK record's fields, the SIDs by their first bytes. */
const brief = (r: LinkRecordRepr | undefined): string => r === undefined ? "none" :
  `flags ${r.flags} if ${r.interfaceIndex} ack ${r.ackSeq}/${r.ackMask} drop ${r.dropRate} v${r.version} ${r.receiver?.[0]}.${r.receiver?.[1]}->${r.transmitter?.[0]}.${r.transmitter?.[1]}`;
test("the unicast tick's kept link gives the ACK record the walk over the neighbour's links gives (lossy 2x3 grid, traffic, a node leaving and coming back)", () => {
  const { net, nodes } = lossyGrid2x3(41, 3, 0x44, [0.05, 0, 0.02, 0, 0.1, 0.03, 0.06], 0.03);
  let used = 0;
  const wrong: string[] = [];
  for (const sn of nodes) {
    const inner = sn.node as unknown as { acks: TickLinks; cx: NodeContext };
    const acks = inner.acks, cx = inner.cx;
    const kept = acks.tickLink.bind(acks);
    acks.tickLink = (n, iface) => {
      const l = kept(n, iface);
      if (l === undefined) return l;
      used++;
      const walk = brief(acks.ackRecordFor(cx.now, n));
      const mine = brief(ackRecord(cx.primarySid, n, l));
      if (walk !== mine && wrong.length < 5) wrong.push(`${sn.name} at ${cx.now}: kept ${mine}, walk ${walk}`);
      return l;
    };
  }
  const payload = new Uint8Array(200).fill(3);
  for (let step = 0; step < 80; step++) {
    if (step % 3 === 1) net.send(nodes[0], { srcPort: 600, dstSid: nodes[5].identity.sid, dstPort: 77, payload });
    if (step === 30) net.stop(nodes[4]);
    if (step === 45) net.start(nodes[4]);
    net.runFor(250);
  }
  console.log(`  20 s: ${used} ACK records from kept links`);
  assert.ok(used > 50, `kept links used: ${used}`);
  assert.equal(wrong, [], "the kept link's ACK record differs from the walk's");
});

test.run();
