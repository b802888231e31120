// Malformed input never throws out of the node or stalls it: real captured
// packets, randomly mutated and truncated, are fed to a MeshNode that holds
// the receiver's identity; afterwards it still meshes normally.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { readPcapFile, udpDatagrams } from "../helpers/pcap";
import { INTEROP, interopKeys } from "../helpers/wire-interop";
import { MeshNode } from "../../src/mdp/node";
import { createNaclCrypto } from "../../src/crypto/nacl-provider";
import { toHex } from "../../src/wire/bytes";
import { SimNet } from "../helpers/simnet";
import { prng } from "../helpers/prng";
import { ByteWriter } from "../../src/wire/bytes";
import { encodePacket } from "../../src/wire/packet";
import { ENCAP_OVERLAY } from "../../src/wire/types";

test("20000 mutated captured packets: no exception, bounded state, then normal meshing", () => {
  const rnd = prng(99);
  const crypto = createNaclCrypto((n) => { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256); return b; });
  const keyA = interopKeys().find((k) => toHex(k.sid).startsWith("70814EA8"))!;
  const seeds: Uint8Array[] = [];
  for (const f of ["01_startup_discovery.pcap", "02_msp_hello.pcap"]) {
    for (const d of udpDatagrams(readPcapFile(join(INTEROP, f)), 4110)) if (d.srcIp === "10.200.0.2") seeds.push(d.payload);
  }
  assert.ok(seeds.length > 20);
  const node = new MeshNode({ identities: [keyA], crypto, now: 0 });
  node.addInterface({ index: 0, name: "e", broadcastAddress: "b:4110" });
  let now = 0;
  for (let i = 0; i < 20000; i++) {
    const src = seeds[Math.floor(rnd() * seeds.length)];
    const p = src.slice(0, Math.max(1, Math.floor(rnd() < 0.2 ? rnd() * src.length : src.length)));
    const flips = 1 + Math.floor(rnd() * 4);
    for (let k = 0; k < flips; k++) p[Math.floor(rnd() * p.length)] = Math.floor(rnd() * 256);
    now += 1 + Math.floor(rnd() * 5);
    node.handlePacket(now, 0, `10.200.0.${2 + (i % 7)}:4110`, p);
    let spins = 0;
    for (let t = node.pollTimeout(); t !== undefined && t <= now; t = node.pollTimeout()) {
      node.handleTimeout(now);
      while (node.pollTransmit()) { /* discard */ }
      assert.ok(++spins < 100, `pollTimeout stuck at ${t} (now ${now}) after packet ${i}`);
    }
    while (node.pollTransmit()) { /* discard */ }
    while (node.pollDelivery()) { /* discard */ }
  }
  console.log(`  fuzz: ${node.stats.packetsIn} packets, ${node.stats.packetsDropped} dropped, ${node.stats.framesDropped} frames dropped, ${node.stats.cryptoFailures} crypto failures, ${node.queuedFrames} queued`);
  assert.ok(node.queuedFrames <= 512);
  assert.ok(node.pollTimeout() !== undefined && node.pollTimeout()! > now - 1);
});

test("a node that was fed garbage still meshes: two nodes find each other", () => {
  const net = new SimNet({ seed: 5 });
  const [a, b] = net.line(["A", "B"]);
  const rnd = prng(7);
  for (let i = 0; i < 2000; i++) {
    const p = new Uint8Array(1 + Math.floor(rnd() * 300));
    for (let k = 0; k < p.length; k++) p[k] = Math.floor(rnd() * 256);
    if (i % 3 === 0) { p[0] = 1; p[1] = 1; } // valid-looking envelope start
    a.node.handlePacket(0, 1, "X@AB", p);
  }
  net.start(a);
  net.start(b);
  assert.ok(net.runUntilTrue(() => net.hasRoute(a, b) && net.hasRoute(b, a), 5000) !== undefined);
});

test("a flood of spoofed transmitters cannot crowd out a real neighbour (the table stays bounded)", () => {
  const net = new SimNet({ seed: 6 });
  const [a, b] = net.line(["A", "B"]);
  const rnd = prng(8);
  net.start(a);
  for (let i = 0; i < 500; i++) {
    const sid = new Uint8Array(32);
    for (let k = 0; k < 32; k++) sid[k] = Math.floor(rnd() * 256);
    const w = new ByteWriter();
    encodePacket(w, { version: 1, encapsulation: ENCAP_OVERLAY, transmitter: sid, transmitterFull: true, unicast: false, interfaceIndex: 0, linkSeq: i & 0xff }, []);
    a.node.handlePacket(net.time, 1, `spoof${i}@AB`, w.toBytes());
  }
  while (a.node.pollTransmit()) { /* the spoofed nodes hear nothing */ }
  net.start(b);
  assert.ok(net.runUntilTrue(() => net.hasRoute(a, b) && net.hasRoute(b, a), 5000) !== undefined);
  assert.ok(a.node.stats.packetsDropped === 0, "new transmitters evict stale ones instead of being dropped");
});

test.run();
