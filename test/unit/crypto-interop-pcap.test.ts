// Decrypt and verify the MDP payloads of real Serval DNA captures with the keys
// that made them (spec 4.3, 5.2-5.4), then reassemble MSP streams from the
// decrypted payloads and compare them with the files that were sent.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Identity } from "../../src/crypto/types";
import { createNaclCrypto } from "../../src/crypto/nacl-provider";
import { toHex, bytesEqual } from "../../src/wire/bytes";
import { openMdpPayload, parseKeymapResponse, KEYMAP_SIGN_KEY, type OpenFailure } from "../../src/crypto/mdp-payload";
import { parseServalKeyringDump } from "../../src/keyring/serval-dump";
import { SidBook } from "../helpers/sid-book";
import { decodePacket } from "../../src/wire/packet";
import { decodeMdpMessage } from "../../src/wire/mdp-ports";
import { TYPE_DATA, FRAME_CIPHERED, FRAME_SIGNED, PORT_KEYMAPREQUEST } from "../../src/wire/types";
import { readPcapFile, udpDatagrams } from "../helpers/pcap";
import { INTEROP } from "../helpers/wire-interop";

const crypto = createNaclCrypto((n) => new Uint8Array(randomBytes(n)));

/** The identities of one capture set: files named `${prefix}keyring_X_dump_secret.txt` in `dir`. */
function identitiesOf(dir: string, prefix: string): Map<string, Identity> {
  const out = new Map<string, Identity>();
  for (const f of readdirSync(dir)) {
    if (!f.startsWith(prefix) || !/^keyring_[A-Z]_dump_secret\.txt$/.test(f.slice(prefix.length))) continue;
    const r = parseServalKeyringDump(readFileSync(join(dir, f), "utf8"));
    if (!r.ok) throw new Error(`${f}: ${r.message}`);
    for (const d of r.identities) out.set(toHex(d.identity.sid), d.identity);
  }
  return out;
}

interface OpenedMessage {
  frameNo: number;
  source: string; // SID hex
  destination: string | undefined;
  mode: "plain" | "signed" | "ciphered";
  srcPort: number;
  dstPort: number;
  data: Uint8Array;
}

interface CaptureResult {
  opened: OpenedMessage[];
  failures: { frameNo: number; reason: OpenFailure | string }[];
  invalidFrames: number;
  counts: { plain: number; signed: number; ciphered: number; keymapResponses: number };
}

/** Decode every overlay packet of a capture and open every DATA frame with the set's keys. */
function openCapture(pcapPath: string, keys: Map<string, Identity>): CaptureResult {
  const book = new SidBook((k) => crypto.sidFromSignKey(k));
  for (const id of keys.values()) book.learnSid(id.sid);
  const res: CaptureResult = { opened: [], failures: [], invalidFrames: 0, counts: { plain: 0, signed: 0, ciphered: 0, keymapResponses: 0 } };
  for (const dg of udpDatagrams(readPcapFile(pcapPath), 4110)) {
    const pkt = decodePacket(dg.payload, book);
    if (pkt.error !== undefined) res.failures.push({ frameNo: dg.frameNo, reason: `decode: ${pkt.error}` });
    for (const f of pkt.frames) {
      if (f.type !== TYPE_DATA) continue;
      if (f.invalid || f.source === undefined) { res.invalidFrames++; continue; }
      const flags = (f.ciphered ? FRAME_CIPHERED : 0) | (f.signed ? FRAME_SIGNED : 0);
      const source = toHex(f.source);
      const destination = f.destination === undefined ? undefined : toHex(f.destination);
      const r = openMdpPayload(crypto, flags, f.payload, {
        sourceSid: f.source,
        destination: destination === undefined ? undefined : keys.get(destination),
        sourceSignPublic: keys.get(source)?.signPublic,
      });
      if (!r.ok) { res.failures.push({ frameNo: dg.frameNo, reason: r.reason }); continue; }
      const mode = f.ciphered ? "ciphered" : f.signed ? "signed" : "plain";
      res.counts[mode]++;
      const msg = decodeMdpMessage(r.plain);
      if (msg.dstPort === PORT_KEYMAPREQUEST && msg.srcPort === PORT_KEYMAPREQUEST && msg.data.length > 1 && msg.data[0] === KEYMAP_SIGN_KEY) {
        const km = parseKeymapResponse(crypto, msg.data, f.source);
        if (km === undefined || !km.combined || !bytesEqual(km.signPublic, keys.get(source)?.signPublic ?? new Uint8Array())) {
          res.failures.push({ frameNo: dg.frameNo, reason: "keymap response does not verify" });
        } else res.counts.keymapResponses++;
      }
      res.opened.push({ frameNo: dg.frameNo, source, destination, mode, srcPort: msg.srcPort, dstPort: msg.dstPort, data: msg.data.slice() });
    }
  }
  return res;
}

const SETS: { pcap: string; prefix: string; noCiphered?: boolean }[] = [
  { pcap: "01_startup_discovery.pcap", prefix: "" },
  { pcap: "02_msp_hello.pcap", prefix: "" },
  { pcap: "03_msp_64KiB_stdio.pcap", prefix: "" },
  { pcap: "relay/line_B_vBA.pcap", prefix: "line_" },
  { pcap: "relay/line_B_vBC.pcap", prefix: "line_" },
  { pcap: "relay/loss10_A_vAB.pcap", prefix: "loss10_" },
  { pcap: "04_forward_hello.pcap", prefix: "" },
  { pcap: "05_forward_1MiB_upload.pcap", prefix: "" },
  { pcap: "06_forward_1MiB_download.pcap", prefix: "" },
  { pcap: "07_forward_1MiB_upload_server_closes_early_DATALOSS.pcap", prefix: "" },
  { pcap: "08_idle_60s.pcap", prefix: "", noCiphered: true }, // idle: link state only
  { pcap: "relay/loss10_A_out_nflog.pcap", prefix: "loss10_" },
  { pcap: "relay/loss10_B_out_nflog.pcap", prefix: "loss10_" },
  { pcap: "relay/loss10stall_A_vAB.pcap.xz", prefix: "loss10stall_" },
];

const cache = new Map<string, CaptureResult>();
function capture(name: string): CaptureResult {
  let r = cache.get(name);
  if (r === undefined) {
    const set = SETS.find((s) => s.pcap === name);
    if (set === undefined) throw new Error(name);
    const path = join(INTEROP, set.pcap);
    r = openCapture(path, identitiesOf(dirname(path), set.prefix));
    cache.set(name, r);
  }
  return r;
}

for (const set of SETS) {
  test(`${set.pcap}: every DATA frame decrypts or verifies with the captured keys`, () => {
    const r = capture(set.pcap);
    assert.equal(r.failures, []);
    assert.is(r.invalidFrames, 0);
    assert.ok(r.counts.plain > 0);
    assert.is(r.counts.ciphered > 0, set.noCiphered !== true);
  });
}

/** Unique MSP data bodies of one stream in sequence order (16-bit seqs unwrapped), with duplicate checks. */
function mspStream(msgs: OpenedMessage[], source: string, srcPort: number, dstPort: number): { bytes: Uint8Array; packets: number; duplicates: number } {
  const bySeq = new Map<number, Uint8Array>();
  let last = -1, packets = 0, duplicates = 0;
  for (const m of msgs) {
    if (m.source !== source || m.srcPort !== srcPort || m.dstPort !== dstPort || m.data.length < 5) continue;
    packets++;
    const raw = m.data[3] | (m.data[4] << 8);
    // Unwrap relative to the highest seq so far (a window never spans 32768).
    const seq = last < 0 ? raw : last + (((raw - last + 0x8000) & 0xffff) - 0x8000);
    last = Math.max(last, seq);
    const body = m.data.subarray(5);
    const prev = bySeq.get(seq);
    if (prev !== undefined) {
      duplicates++;
      assert.ok(bytesEqual(prev, body), `seq ${seq} re-sent with different bytes`);
    } else bySeq.set(seq, body);
  }
  const seqs = [...bySeq.keys()].sort((a, b) => a - b);
  for (let i = 1; i < seqs.length; i++) assert.is(seqs[i], seqs[i - 1] + 1, "gap in MSP sequence");
  const total = seqs.reduce((n, s) => n + (bySeq.get(s)?.length ?? 0), 0);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const s of seqs) { const b = bySeq.get(s) ?? new Uint8Array(); bytes.set(b, at); at += b.length; }
  return { bytes, packets, duplicates };
}

/** The SID in a capture set's sid file. */
function sidOf(file: string): string {
  return readFileSync(join(INTEROP, file), "utf8").trim();
}

test("02_msp_hello: the decrypted MSP payloads carry both hello lines", () => {
  const r = capture("02_msp_hello.pcap");
  const text = (from: string): string => r.opened
    .filter((m) => m.source === from && (m.dstPort === 512 || m.srcPort === 512))
    .map((m) => String.fromCharCode(...m.data.subarray(5))).join("");
  assert.match(text(sidOf("sid_B.txt")), "Hello from the client\n");
  assert.match(text(sidOf("sid_A.txt")), "Hello from the server\n");
});

test("03_msp_64KiB_stdio: the decrypted MSP stream B->A is 64 KiB without gaps", () => {
  const r = capture("03_msp_64KiB_stdio.pcap");
  const clientPort = r.opened.find((m) => m.source === sidOf("sid_B.txt") && m.dstPort === 512)?.srcPort ?? -1;
  const s = mspStream(r.opened, sidOf("sid_B.txt"), clientPort, 512);
  assert.is(s.bytes.length, 65536);
});

test("relay line_B_vBC (B->C hop of A->C): decrypted MSP data equals line_payload_64KiB.bin", () => {
  const r = capture("relay/line_B_vBC.pcap");
  const expected = new Uint8Array(readFileSync(join(INTEROP, "relay/line_payload_64KiB.bin")));
  const s = mspStream(r.opened, sidOf("relay/line_sid_A.txt"), 259, 512);
  assert.is(s.bytes.length, expected.length);
  assert.ok(bytesEqual(s.bytes, expected));
});

test("relay line_B_vBA (A->B hop, with per-hop re-sends): same 64 KiB, duplicates identical", () => {
  const r = capture("relay/line_B_vBA.pcap");
  const expected = new Uint8Array(readFileSync(join(INTEROP, "relay/line_payload_64KiB.bin")));
  const s = mspStream(r.opened, sidOf("relay/line_sid_A.txt"), 259, 512);
  assert.ok(bytesEqual(s.bytes, expected));
  assert.ok(s.duplicates > 0);
});

test("relay loss10_A_vAB (10% loss, overlay and MSP re-sends): decrypted MSP data equals loss10_payload_256KiB.bin", () => {
  const r = capture("relay/loss10_A_vAB.pcap");
  const expected = new Uint8Array(readFileSync(join(INTEROP, "relay/loss10_payload_256KiB.bin")));
  const a = sidOf("relay/loss10_sid_A.txt");
  const clientPort = r.opened.find((m) => m.source === a && m.dstPort === 512)?.srcPort ?? -1;
  const s = mspStream(r.opened, a, clientPort, 512);
  assert.is(s.bytes.length, expected.length);
  assert.ok(bytesEqual(s.bytes, expected));
  assert.ok(s.duplicates > 0);
});

test.run();
