// Interop: a MeshNode takes the place of the relay B in the real 3-node line
// capture (test/fixtures/serval-dna/relay, servald A - B - C; A and C cannot hear each
// other). A's and C's packets from both of B's links are replayed, in time
// order, into a node holding B's identity. It must take A and C as
// neighbours, route between them, and forward every A<->C data frame (pings,
// MSP) to the other side, re-addressed one-hop with the payload untouched.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { readPcapFile, udpDatagrams } from "../helpers/pcap";
import { INTEROP, interopKeys } from "../helpers/wire-interop";
import { MeshNode, type Transmit } from "../../src/mdp/node";
import { createNaclCrypto } from "../../src/crypto/nacl-provider";
import { SidBook } from "../helpers/sid-book";
import { decodePacket } from "../../src/wire/packet";
import { TYPE_DATA } from "../../src/wire/types";
import { toHex, bytesEqual } from "../../src/wire/bytes";

const RELAY = join(INTEROP, "relay");
const crypto = createNaclCrypto((n) => new Uint8Array(randomBytes(n)));
const keys = existsSync(RELAY) ? interopKeys(RELAY) : [];
const byPrefix = (p: string) => keys.find((k) => toHex(k.sid).startsWith(p));
const A = byPrefix("3473F631"), B = byPrefix("A91801A9"), C = byPrefix("EDB8E412");

interface Pkt { ts: number; ifName: "vBA" | "vBC"; from: string; bytes: Uint8Array }

function load(): { pkts: Pkt[]; ifIndex: Record<string, number> } {
  const book = new SidBook((k) => crypto.sidFromSignKey(k));
  for (const k of [A!, B!, C!]) book.learnSid(k.sid);
  const pkts: Pkt[] = [];
  const ifIndex: Record<string, number> = {};
  for (const [file, ifName, bIp] of [["line_B_vBA.pcap", "vBA", "10.77.1.2"], ["line_B_vBC.pcap", "vBC", "10.77.2.1"]] as const) {
    for (const d of udpDatagrams(readPcapFile(join(RELAY, file)), 4110)) {
      if (d.srcIp === bIp) {
        if (ifIndex[ifName] === undefined) ifIndex[ifName] = decodePacket(d.payload, book).envelope.interfaceIndex;
        continue; // the real B's own packets: we are B now
      }
      pkts.push({ ts: d.ts, ifName, from: `${d.srcIp}:${d.srcPort}`, bytes: d.payload });
    }
  }
  pkts.sort((x, y) => x.ts - y.ts);
  return { pkts, ifIndex };
}

test("relay capture: B's replacement forwards every A<->C data frame, one-hop, payload untouched", () => {
  assert.ok(A && B && C, "relay keys present");
  const { pkts, ifIndex } = load();
  assert.ok(ifIndex.vBA !== undefined && ifIndex.vBC !== undefined && ifIndex.vBA !== ifIndex.vBC);
  const node = new MeshNode({ identities: [B!], crypto, now: 0 });
  node.addInterface({ index: ifIndex.vBA, name: "vBA", broadcastAddress: "10.77.1.255:4110" });
  node.addInterface({ index: ifIndex.vBC, name: "vBC", broadcastAddress: "10.77.2.255:4110" });
  const out: Transmit[] = [];
  const drain = () => { for (let t = node.pollTransmit(); t; t = node.pollTransmit()) out.push(t); };
  const ts0 = pkts[0].ts;
  const book = new SidBook((k) => crypto.sidFromSignKey(k));
  for (const k of [A!, B!, C!]) book.learnSid(k.sid);
  // Frames A->C and C->A that were handed to B for forwarding.
  const expected: { to: "vBA" | "vBC"; payload: Uint8Array }[] = [];
  for (const p of pkts) {
    const now = (p.ts - ts0) * 1000;
    for (let t = node.pollTimeout(); t !== undefined && t < now; t = node.pollTimeout()) { node.handleTimeout(t); drain(); }
    for (const f of decodePacket(p.bytes, book).frames) {
      if (f.type !== TYPE_DATA || !f.destination || !f.nextHop || !bytesEqual(f.nextHop, B!.sid)) continue;
      if (bytesEqual(f.destination, C!.sid)) expected.push({ to: "vBC", payload: f.payload.slice() });
      if (bytesEqual(f.destination, A!.sid)) expected.push({ to: "vBA", payload: f.payload.slice() });
    }
    node.handlePacket(now, ifIndex[p.ifName], p.from, p.bytes);
    drain();
  }
  const last = (pkts[pkts.length - 1].ts - ts0) * 1000;
  for (let t = node.pollTimeout(); t !== undefined && t < last + 100; t = node.pollTimeout()) { node.handleTimeout(t); drain(); }
  assert.ok(expected.length > 50, `only ${expected.length} frames to forward`);
  const peers = node.peers();
  assert.ok(peers.some((p) => bytesEqual(p.sid, A!.sid) && p.hops === 1), "A not a neighbour");
  assert.ok(peers.some((p) => bytesEqual(p.sid, C!.sid) && p.hops === 1), "C not a neighbour");
  // The replayed A and C acknowledge the real B's link sequences, not ours (a
  // random start), so our per-hop window to them fills with frames they never
  // ACK, and the frames behind it go out only as those reach the retry cap.
  // Depending on our random start that happened before the capture ended or
  // not (about 1 run in 15 failed here); 3 s more of timers lets the queue
  // drain, and every frame must then have gone out.
  for (let t = node.pollTimeout(); t !== undefined && t < last + 3_000; t = node.pollTimeout()) { node.handleTimeout(t); drain(); }
  // What we sent, per interface: frames from A to C (or C to A), one-hop.
  const sent = new Map<string, Set<string>>([["vBA", new Set()], ["vBC", new Set()]]);
  for (const t of out) {
    const name = t.ifIndex === ifIndex.vBA ? "vBA" : "vBC";
    for (const f of decodePacket(t.bytes, book).frames) {
      if (f.type !== TYPE_DATA || !f.destination || !f.source) continue;
      const fwd = (bytesEqual(f.source, A!.sid) && bytesEqual(f.destination, C!.sid)) || (bytesEqual(f.source, C!.sid) && bytesEqual(f.destination, A!.sid));
      if (!fwd) continue;
      assert.ok(f.oneHop, "forwarded to a direct neighbour: ONE_HOP");
      assert.ok(f.payload.length < 1200);
      sent.get(name)!.add(toHex(f.payload));
    }
  }
  let missing = 0;
  for (const e of expected) if (!sent.get(e.to)!.has(toHex(e.payload))) missing++;
  console.log(`  ${expected.length} frames handed to the relay, ${expected.length - missing} forwarded, forwarded-frame stats: ${node.stats.framesForwarded} forwarded, ${node.stats.duplicateFrames} duplicate frames, ${node.stats.peerRestarts} restarts seen`);
  assert.is(node.stats.peerRestarts, 0);
  assert.is(node.stats.linkResets, 0);
  assert.is(missing, 0);
});

test.run();
