// Replay real Serval DNA MSP conversations (decrypted from the interop
// captures with the captured keys) into our endpoint standing in for one side.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Identity } from "../../src/crypto/types";
import { createNaclCrypto } from "../../src/crypto/nacl-provider";
import { toHex, parseHex as fromHex } from "../../src/wire/bytes";
import { openMdpPayload } from "../../src/crypto/mdp-payload";
import { parseServalKeyringDump } from "../../src/keyring/serval-dump";
import { SidBook } from "../helpers/sid-book";
import { decodePacket } from "../../src/wire/packet";
import { decodeMdpMessage } from "../../src/wire/mdp-ports";
import { TYPE_DATA, FRAME_CIPHERED, FRAME_SIGNED } from "../../src/wire/types";
import { readPcapFile, udpDatagrams } from "../helpers/pcap";
import { INTEROP } from "../helpers/wire-interop";
import { MspEndpoint, MspStream } from "../../src/msp/endpoint";

const crypto = createNaclCrypto((n) => new Uint8Array(randomBytes(n)));
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");

interface MspMsg { t: number; source: string; srcPort: number; dstPort: number; data: Uint8Array }

/** Every MSP-looking message (port 512 at one end) of a capture, decrypted, in capture order, deduplicated by frame. */
function mspMessages(pcap: string, prefix: string): MspMsg[] {
  const path = join(INTEROP, pcap);
  const keys = new Map<string, Identity>();
  for (const f of readdirSync(dirname(path))) {
    if (!f.startsWith(prefix) || !/^keyring_[A-Z]_dump_secret\.txt$/.test(f.slice(prefix.length))) continue;
    const r = parseServalKeyringDump(readFileSync(join(dirname(path), f), "utf8"));
    if (r.ok) for (const d of r.identities) keys.set(toHex(d.identity.sid), d.identity);
  }
  const book = new SidBook((k) => crypto.sidFromSignKey(k));
  for (const id of keys.values()) book.learnSid(id.sid);
  const out: MspMsg[] = [];
  for (const dg of udpDatagrams(readPcapFile(path), 4110)) {
    const pkt = decodePacket(dg.payload, book);
    for (const f of pkt.frames) {
      if (f.type !== TYPE_DATA || f.invalid || !f.source || !f.destination) continue;
      const dest = keys.get(toHex(f.destination));
      const flags = (f.ciphered ? FRAME_CIPHERED : 0) | (f.signed ? FRAME_SIGNED : 0);
      const r = openMdpPayload(crypto, flags, f.payload, { sourceSid: f.source, destination: dest, sourceSignPublic: keys.get(toHex(f.source))?.signPublic });
      if (!r.ok) continue;
      const m = decodeMdpMessage(r.plain);
      if (m.dstPort !== 512 && m.srcPort !== 512) continue;
      out.push({ t: dg.ts * 1000, source: toHex(f.source), srcPort: m.srcPort, dstPort: m.dstPort, data: m.data.slice() });
    }
  }
  return out;
}

const sidText = (file: string) => readFileSync(join(INTEROP, file), "utf8").trim();
function sidBytes(h: string): Uint8Array {
  const b = fromHex(h);
  if (!b) throw new Error(`bad SID ${h}`);
  return b;
}

/** Feed the connector's packets into our listener; our app sends `reply` then shuts down. */
function replayIntoListener(msgs: MspMsg[], clientSid: string, listenerSid: string, reply: Uint8Array) {
  const ep = new MspEndpoint();
  const local = { sid: sidBytes(listenerSid), port: 512 };
  ep.listen(local);
  const fromClient = msgs.filter((m) => m.source === clientSid && m.dstPort === 512);
  const ourTx: Uint8Array[] = [];
  const events: string[] = [];
  let stream: MspStream | undefined;
  const chunks: Uint8Array[] = [];
  let wrote = false;
  const t0 = fromClient[0].t;
  for (const m of fromClient) {
    const now = m.t - t0;
    ep.handleTimeout(now);
    ep.handleDatagram(now, local, { sid: sidBytes(clientSid), port: m.srcPort }, m.data);
    stream ??= ep.pollAccept();
    if (stream) {
      const c = stream.conn;
      for (let b = c.read(); b; b = c.read()) { chunks.push(b.slice()); c.consume(b.length, now); }
      if (!wrote) { c.write(reply); c.shutdown(now); wrote = true; }
      for (let e = c.pollEvent(); e; e = c.pollEvent()) events.push(e);
    }
    for (let t = ep.pollTransmit(now); t; t = ep.pollTransmit(now)) ourTx.push(t.payload);
    if (stream) for (let e = stream.conn.pollEvent(); e; e = stream.conn.pollEvent()) events.push(e);
  }
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const bytes = new Uint8Array(total);
  let k = 0;
  for (const c of chunks) { bytes.set(c, k); k += c.length; }
  return { bytes, ourTx, events, fromClient, stream };
}

test("02_msp_hello: our listener answers Serval's connector byte for byte like Serval's listener did", () => {
  const msgs = mspMessages("02_msp_hello.pcap", "");
  const A = sidText("sid_A.txt"), B = sidText("sid_B.txt");
  const theirReply = msgs.find((m) => m.source === A && m.srcPort === 512 && m.data.length > 5);
  assert.ok(theirReply);
  const r = replayIntoListener(msgs, B, A, theirReply.data.subarray(5));
  assert.is(String.fromCharCode(...r.bytes), "Hello from the client\n");
  assert.is(hex(r.fromClient[0].data.subarray(0, 5)), "05 ff ff 00 00");
  assert.is(hex(r.ourTx[0]), hex(theirReply.data), "first reply identical to Serval's: 03 00 00 00 00 Hello from the server");
  assert.ok(r.events.includes("remote-shutdown"));
  assert.ok(r.events.includes("closed-gracefully"), String(r.events));
});

test("03_msp_64KiB_stdio: Serval's connector streams 64 KiB into our listener; acks track consumption; graceful", () => {
  const msgs = mspMessages("03_msp_64KiB_stdio.pcap", "");
  const A = sidText("sid_A.txt"), B = sidText("sid_B.txt");
  const r = replayIntoListener(msgs, B, A, new Uint8Array(0));
  assert.is(r.bytes.length, 65536);
  // Serval's listener also sent nothing: its sequence numbering equals ours, so
  // the connector's acks free our SHUTDOWN packet and the rule closes us gracefully.
  assert.ok(r.events.includes("remote-shutdown"));
  assert.ok(r.events.includes("closed-gracefully"), String(r.events));
  // Every ack we sent is for data we had consumed, never ahead of it.
  let last = -1;
  for (const p of r.ourTx) {
    if (p.length < 3 || !(p[0] & 0x02)) continue;
    const ack = p[1] | (p[2] << 8);
    assert.ok(ack >= last || last - ack > 0x8000, "acks never go backwards");
    last = ack;
  }
});

test("loss10_A_vAB: 256 KiB with Serval's re-sends and duplicates reassembles byte-identically", () => {
  const msgs = mspMessages("relay/loss10_A_vAB.pcap", "loss10_");
  const A = sidText("relay/loss10_sid_A.txt"), B = sidText("relay/loss10_sid_B.txt");
  const r = replayIntoListener(msgs, A, B, new Uint8Array(0));
  const expected = new Uint8Array(readFileSync(join(INTEROP, "relay/loss10_payload_256KiB.bin")));
  assert.is(r.bytes.length, expected.length);
  assert.equal(r.bytes, expected);
  assert.ok(r.stream && r.stream.conn.stats.duplicates > 0, "the capture holds MSP re-sends");
});

test.run();
