// A tick's ACK frames held back while nothing else is queued and sent from each
// destination's packet template (send.ts queueAck, transmitter.ts sendHeld)
// leave the same state and put the same bytes on the wire as the generic path
// (a TxFrame queued, flushed and encoded by buildPackets). Two copies of the same
// SimNet run side by side, one with holding off: a lossy grid with a shared
// link, a second identity, datagrams between nodes (so ticks also come with
// other frames queued), a node that stops and comes back; after every step the
// whole state of every node (stateSnapshot) and every byte sent are the same.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SimNet, type SimNode } from "../helpers/simnet";
import { snapshotDifference, stateSnapshot } from "../helpers/state-snapshot";
import { lossyGrid2x3 } from "../helpers/sim-grid";
import type { Sender } from "../../src/mdp/send";
import type { Transmitter } from "../../src/mdp/transmitter";
import type { LinkRecordRepr } from "../../src/wire/types";
import type { Destination, Neighbour } from "../../src/mdp/neighbours";

interface Inside { sender: Sender; tx: Transmitter }
interface Held { sendHeldAck(now: number, dest: Destination, rec: LinkRecordRepr, ackFor: Neighbour | undefined): boolean }

/** Only the held path has templates; the generic path's spare queue entries
 * (reused TxFrame objects) and the transmitter's scratch (writer, envelope,
 * encoding context of the last packet built; a flush's windows and FIFOs,
 * emptied before use; the knowers a broadcast abbreviator was last looked
 * for with, which the held path looks for later in the same pass) are no state
 * anything reads. */
const SKIP = new Set(["tickPacket", "holdAcks", "sendHeldAck", "spares", "w", "env", "ctx", "encodeOpts", "inFlight", "active", "knowersScratch"]);

const inside = (sn: SimNode): Inside => sn.node as unknown as Inside;

/** Count the ACK packets sent from a template on `on`; turn holding off on `off`. */
function instrument(on: SimNode[], off: SimNode[]): { held: number; fellBack: number } {
  const count = { held: 0, fellBack: 0 };
  for (const sn of on) {
    const tx = inside(sn).tx as unknown as Held;
    const send = tx.sendHeldAck.bind(tx);
    tx.sendHeldAck = (now, dest, rec, ackFor) => {
      const r = send(now, dest, rec, ackFor);
      if (r) count.held++;
      else count.fellBack++;
      return r;
    };
  }
  for (const sn of off) inside(sn).sender.holdAcks = false;
  return count;
}

/** A 2x3 grid, links with 0-6 % loss, one node with a second identity: twice, the same. */
const grid = (): ReturnType<typeof lossyGrid2x3> => lossyGrid2x3(777, 2, 0x33, [0.05, 0, 0.02, 0, 0, 0.03, 0.06], 0.03);

test("a lossy 2x3 grid with traffic and a restart, ACKs held and not: the same state after every step, the same bytes sent", () => {
  const a = grid(), b = grid();
  const count = instrument(a.nodes, b.nodes);
  const payload = new Uint8Array(300).fill(7);
  for (let step = 0; step < 80; step++) {
    for (const s of [a, b]) {
      if (step % 3 === 1) s.net.send(s.nodes[0], { srcPort: 600, dstSid: s.nodes[5].identity.sid, dstPort: 77, payload });
      if (step % 2 === 0) s.net.send(s.nodes[3], { srcPort: 602, dstSid: s.nodes[2].identity.sid, dstPort: 79, payload: payload.subarray(0, 20) });
      if (step % 7 === 2) s.net.send(s.nodes[4], { srcPort: 601, dstSid: undefined, dstPort: 78, payload: payload.subarray(0, 40), noCrypt: true, ttl: 3 });
      if (step === 30) s.net.stop(s.nodes[1]);
      if (step === 45) s.net.start(s.nodes[1]);
      s.net.runFor(250);
    }
    for (let i = 0; i < a.nodes.length; i++) {
      const d = snapshotDifference(stateSnapshot(a.nodes[i].node, SKIP), stateSnapshot(b.nodes[i].node, SKIP));
      if (d !== undefined) assert.unreachable(`node ${i} at ${a.net.time} ms differs ${d}`);
    }
    assert.is(a.wire.length, b.wire.length, `packets sent by ${a.net.time} ms`);
    for (let k = 0; k < a.wire.length; k++) if (a.wire[k] !== b.wire[k]) assert.fixture(a.wire[k], b.wire[k], `packet ${k}`);
  }
  console.log(`  20 s: ${count.held} ACK packets from templates, ${count.fellBack} to the generic path, ${a.wire.length} packets sent`);
  assert.ok(count.held > 200, `${count.held} held ACK packets sent from templates`);
  assert.ok(count.fellBack > 0, "some held ACKs went the generic way (first packet to a destination, changed memos)");
});

test("a tick with a retransmit deadline left over (frames ACKed since): the same next wakeup either way", () => {
  const pair = (hold: boolean): { net: SimNet; a: SimNode } => {
    const net = new SimNet({ seed: 31 });
    const a = net.addNode("A"), b = net.addNode("B");
    net.link("ab", [a, b], 0, 2, 0.5);
    net.start(a);
    net.start(b);
    net.runFor(6000);
    if (!hold) inside(a).sender.holdAcks = false;
    return { net, a };
  };
  const x = pair(true), y = pair(false);
  const count = instrument([x.a], []);
  for (let k = 0; k < 6; k++) {
    for (const s of [x, y]) {
      // (as an ACK leaves it: the queue empty, its retransmit deadline not raised)
      const cx = (s.a.node as unknown as { cx: { queue: { retryDueAt: number }; ifaceList: { nextTickAt: number }[] } }).cx;
      const tickAt = cx.ifaceList[0].nextTickAt;
      s.net.runUntil(tickAt - 1);
      cx.queue.retryDueAt = tickAt + 40 + k * 10;
      s.net.runUntil(tickAt + 1);
    }
    assert.is(x.a.node.pollTimeout(), y.a.node.pollTimeout(), `wakeup after tick ${k}`);
    assert.is(snapshotDifference(stateSnapshot(x.a.node, SKIP), stateSnapshot(y.a.node, SKIP)), undefined);
  }
  assert.ok(count.held >= 6, `${count.held} held ACK packets`);
});

test.run();
