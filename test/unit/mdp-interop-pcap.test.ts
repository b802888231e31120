// Interop: replay real Serval DNA traffic (test/fixtures/serval-dna pcaps, taken
// between servald A 10.200.0.1 and servald B 10.200.0.2) into a MeshNode that
// holds A's identity (keys from keyring_A_dump_secret.txt). The node must take
// B as a neighbour, answer with well-formed ACK records naming B, and open B's
// authcrypted MDP traffic to A.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { readPcapFile, udpDatagrams, type UdpDatagram } from "../helpers/pcap";
import { INTEROP, interopKeys } from "../helpers/wire-interop";
import { MeshNode, type Transmit } from "../../src/mdp/node";
import { createNaclCrypto } from "../../src/crypto/nacl-provider";
import { SidBook } from "../helpers/sid-book";
import { decodePacket } from "../../src/wire/packet";
import { decodeLinkState } from "../../src/wire/linkstate";
import { decodeMdpMessage } from "../../src/wire/mdp-ports";
import { openMdpPayload, parseKeymapResponse } from "../../src/crypto/mdp-payload";
import { decodeExplain } from "../../src/mdp/please-explain";
import { TYPE_PLEASEEXPLAIN, LS_HAS_ACK, LS_HAS_INTERFACE, LS_BROADCAST, LS_UNICAST, PORT_KEYMAPREQUEST, PORT_LINKSTATE } from "../../src/wire/types";
import { toHex, bytesEqual } from "../../src/wire/bytes";
import { randomBytes } from "node:crypto";

const A_IP = "10.200.0.1";
const B_IP = "10.200.0.2";

const keys = interopKeys();
const crypto = createNaclCrypto((n) => new Uint8Array(randomBytes(n)));
const sidA = keys.find((k) => toHex(k.sid).startsWith("70814EA8"))!;
const sidB = keys.find((k) => toHex(k.sid).startsWith("9821453A"))!;

interface Replay {
  node: MeshNode;
  out: Transmit[];
  /** Our interface index: the one A's own envelopes carried. */
  ifIndex: number;
  bIfIndex: number;
}

function replay(file: string, untilSec = Infinity, bindPort?: number, knowB = false): Replay {
  const all = udpDatagrams(readPcapFile(join(INTEROP, file)), 4110);
  const ts0 = all[0].ts;
  const book = new SidBook((k) => crypto.sidFromSignKey(k));
  book.learnSid(sidA.sid);
  book.learnSid(sidB.sid);
  const firstA = all.find((d) => d.srcIp === A_IP)!;
  const firstB = all.find((d) => d.srcIp === B_IP)!;
  const ifIndex = decodePacket(firstA.payload, book).envelope.interfaceIndex;
  const bIfIndex = decodePacket(firstB.payload, book).envelope.interfaceIndex;
  const node = new MeshNode({ identities: [sidA], crypto, now: 0 });
  node.addInterface({ index: ifIndex, name: "vA", broadcastAddress: "10.200.0.255:4110" });
  if (bindPort !== undefined) node.bind(undefined, bindPort);
  // Mid-session captures abbreviate B; the replay cannot answer our please-explain.
  if (knowB) node.learnSid(sidB.sid);
  const out: Transmit[] = [];
  const drain = () => { for (let t = node.pollTransmit(); t; t = node.pollTransmit()) out.push(t); };
  const fromB: UdpDatagram[] = all.filter((d) => d.srcIp === B_IP && d.ts - ts0 <= untilSec);
  for (const d of fromB) {
    const now = (d.ts - ts0) * 1000;
    for (let t = node.pollTimeout(); t !== undefined && t < now; t = node.pollTimeout()) { node.handleTimeout(t); drain(); }
    node.handlePacket(now, ifIndex, `${d.srcIp}:${d.srcPort}`, d.payload);
    drain();
  }
  const end = (fromB[fromB.length - 1].ts - ts0) * 1000 + 50;
  for (let t = node.pollTimeout(); t !== undefined && t < end; t = node.pollTimeout()) { node.handleTimeout(t); drain(); }
  return { node, out, ifIndex, bIfIndex };
}

const have = existsSync(join(INTEROP, "01_startup_discovery.pcap")) && sidA !== undefined && sidB !== undefined;

test("startup capture: a MeshNode with A's identity takes servald B as a direct neighbour", () => {
  assert.ok(have, "interop captures and keys are present");
  const r = replay("01_startup_discovery.pcap");
  const peer = r.node.peers().find((p) => bytesEqual(p.sid, sidB.sid));
  assert.ok(peer, "B not reachable");
  assert.is(peer!.hops, 1);
  assert.is(r.node.stats.packetsDropped, 0);
  assert.is(r.node.stats.cryptoFailures, 0);
  assert.is(r.node.stats.linkResets, 0);
  assert.is(r.node.stats.peerRestarts, 0);
});

test("our ACK records to B are what servald expects (spec 6.3, 10(a))", () => {
  const r = replay("01_startup_discovery.pcap");
  // servald B knows A: it names A in its own ACK records.
  const book = new SidBook((k) => crypto.sidFromSignKey(k));
  book.learnSid(sidB.sid);
  book.learnSid(sidA.sid);
  let acks = 0;
  let lastAckSeq = -1;
  let abbreviated = 0;
  for (const t of r.out) {
    const p = decodePacket(t.bytes, book);
    assert.is(p.error, undefined);
    assert.is(p.envelope.version, 1);
    // Full until B has named A, then abbreviated as servald does (3.1).
    if (t === r.out[0]) assert.ok(p.envelope.transmitterFull, "the first packet names A in full");
    if (!p.envelope.transmitterFull) abbreviated++;
    assert.ok(bytesEqual(p.envelope.transmitter!, sidA.sid));
    assert.is(p.envelope.interfaceIndex, r.ifIndex);
    assert.ok(p.envelope.linkSeq >= 0);
    for (const f of p.frames) {
      assert.ok(f.payload.length < 1200);
      assert.not.ok(f.ciphered && f.destination === undefined, "ciphered broadcast");
      if (f.ciphered || f.signed) continue;
      const m = decodeMdpMessage(f.payload);
      if (m.dstPort !== PORT_LINKSTATE) continue;
      assert.is(m.srcPort, PORT_LINKSTATE);
      assert.is(f.ttl, 1);
      assert.ok(f.oneHop);
      const ls = decodeLinkState(m.data, book, sidA.sid);
      assert.is(ls.error, undefined);
      for (const rec of ls.records) {
        if (!rec.transmitter || !bytesEqual(rec.transmitter, sidB.sid)) continue;
        // "I (A) hear you (B) on your interface i".
        assert.ok(bytesEqual(rec.receiver!, sidA.sid));
        assert.ok(rec.flags & LS_HAS_INTERFACE);
        assert.ok((rec.flags & (LS_BROADCAST | LS_UNICAST)) !== 0);
        assert.is(rec.interfaceIndex, r.bIfIndex);
        assert.is(rec.version, 1);
        if (rec.flags & LS_HAS_ACK) { acks++; lastAckSeq = rec.ackSeq; }
      }
    }
  }
  assert.ok(acks > 5, `only ${acks} ACK records`);
  assert.ok(abbreviated > 0, "A abbreviates its SID once B knows it");
  assert.ok(lastAckSeq >= 0);
});

test("B's keymap request is answered with A's signing key, authcrypted to B", () => {
  const r = replay("01_startup_discovery.pcap");
  const book = new SidBook((k) => crypto.sidFromSignKey(k));
  book.learnSid(sidB.sid);
  let answered = 0;
  for (const t of r.out) {
    for (const f of decodePacket(t.bytes, book).frames) {
      if (!f.destination || !bytesEqual(f.destination, sidB.sid) || !f.ciphered) continue;
      const o = openMdpPayload(crypto, 0x30, f.payload, { sourceSid: sidA.sid, destination: sidB });
      assert.ok(o.ok, "B cannot open our frame");
      if (!o.ok) continue;
      const m = decodeMdpMessage(o.plain);
      if (m.dstPort !== PORT_KEYMAPREQUEST || m.data.length < 97) continue;
      const k = parseKeymapResponse(crypto, m.data, sidA.sid);
      assert.ok(k && bytesEqual(k.signPublic, sidA.signPublic) && k.combined);
      answered++;
    }
  }
  assert.ok(answered >= 1, "no keymap response to B");
});

test("MSP hello capture: B's authcrypted datagrams to A:512 are delivered with the client's text", () => {
  const r = replay("02_msp_hello.pcap", Infinity, 512, true);
  const texts: string[] = [];
  for (let d = r.node.pollDelivery(); d; d = r.node.pollDelivery()) {
    assert.is(d.localPort, 512);
    assert.ok(bytesEqual(d.remoteSid, sidB.sid));
    assert.is(d.noCrypt, false);
    texts.push(Buffer.from(d.payload).toString("latin1"));
  }
  assert.ok(texts.some((t) => t.includes("Hello from the client")), `deliveries: ${texts.length}`);
});

test("an unknown abbreviated transmitter (B mid-session) gets a please-explain, broadcast and unicast", () => {
  const r = replay("02_msp_hello.pcap", 3);
  assert.ok(r.node.stats.unknownTransmitter > 0);
  const book = new SidBook((k) => crypto.sidFromSignKey(k));
  const targets = new Set<string>();
  for (const t of r.out) {
    for (const f of decodePacket(t.bytes, book).frames) {
      if (f.type !== TYPE_PLEASEEXPLAIN) continue;
      assert.ok(f.oneHop && f.destination === undefined);
      const e = decodeExplain(f.payload);
      assert.ok(e.requests.length > 0);
      for (const p of e.requests) {
        assert.ok(p.length > 0 && p.length < 32);
        assert.ok(bytesEqual(p, sidB.sid.subarray(0, p.length)), "asks about B's prefix");
      }
      targets.add(t.to);
    }
  }
  assert.ok(targets.has("10.200.0.255:4110") && [...targets].some((x) => x.startsWith(B_IP)), [...targets].join());
});

test.run();
