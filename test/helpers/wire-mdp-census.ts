// Opens every authcrypted MDP frame of a capture with the interop keyrings
// (tweetnacl directly: this checks the wire codecs, not src/crypto), then
// decodes the ports header and the port-1 keymap and port-7 ping payloads,
// re-encoding each byte for byte. Used by test/unit/wire-mdp-interop.test.ts.
import nacl from "tweetnacl";
import { readPcapFile, udpDatagrams } from "./pcap";
import { bookForPcap, interopKeys, type InteropKey } from "./wire-interop";
import { ByteReader, ByteWriter, bytesEqual, toHex } from "../../src/wire/bytes";
import { decodePacket } from "../../src/wire/packet";
import { decodePorts, encodePorts } from "../../src/wire/mdp-ports";
import { decodeKeymap, encodeKeymapRequest, encodeKeymapResponse } from "../../src/wire/keymap";
import { decodePing, encodePing } from "../../src/wire/echo";
import { PORT_ECHO, PORT_KEYMAPREQUEST } from "../../src/wire/types";

export interface MdpCensus {
  authcrypt: number;
  opened: number;
  /** "dst<-src" port pairs of opened frames. */
  ports: Record<string, number>;
  portsReencoded: number;
  keymap: Record<string, number>;
  keymapSignaturesValid: number;
  pings: number;
  pingReencoded: number;
  /** Distinct ping sequence numbers seen. */
  pingSeqs: number[];
  failures: string[];
}

const NONCE = 24;

export function mdpCensus(path: string): MdpCensus {
  const c: MdpCensus = {
    authcrypt: 0, opened: 0, ports: {}, portsReencoded: 0, keymap: {}, keymapSignaturesValid: 0,
    pings: 0, pingReencoded: 0, pingSeqs: [], failures: [],
  };
  const keys = new Map<string, InteropKey>();
  for (const k of interopKeys()) keys.set(toHex(k.sid), k);
  const book = bookForPcap(path, true);
  const sharedKeys = new Map<string, Uint8Array>();
  const w = new ByteWriter();
  for (const d of udpDatagrams(readPcapFile(path), 4110)) {
    for (const f of decodePacket(d.payload, book).frames) {
      if (!f.ciphered || !f.source || !f.destination) continue;
      c.authcrypt++;
      // crypto_box is symmetric: either end's secret with the other's SID gives the key.
      const mine = keys.get(toHex(f.destination)) ?? keys.get(toHex(f.source));
      const peer = keys.has(toHex(f.destination)) ? f.source : f.destination;
      if (!mine) { c.failures.push(`#${d.frameNo}: no key`); continue; }
      const pair = toHex(peer) + toHex(mine.sid);
      let shared = sharedKeys.get(pair);
      if (!shared) { shared = nacl.box.before(peer.slice(), mine.boxSecret); sharedKeys.set(pair, shared); }
      const plain = nacl.secretbox.open(f.payload.slice(NONCE), f.payload.slice(0, NONCE), shared);
      if (!plain) { c.failures.push(`#${d.frameNo}: MAC failed`); continue; }
      c.opened++;
      const r = new ByteReader(plain);
      const ports = decodePorts(r);
      const k = `${ports.dstPort}<-${ports.srcPort}`;
      c.ports[k] = (c.ports[k] ?? 0) + 1;
      w.reset();
      encodePorts(w, ports.dstPort, ports.srcPort);
      if (bytesEqual(w.view(), plain.subarray(0, r.pos))) c.portsReencoded++;
      else c.failures.push(`#${d.frameNo}: ports ${toHex(plain.subarray(0, r.pos))}`);
      const data = plain.subarray(r.pos);
      if (ports.dstPort === PORT_KEYMAPREQUEST && ports.srcPort === PORT_KEYMAPREQUEST) {
        const m = decodeKeymap(data);
        c.keymap[m.kind] = (c.keymap[m.kind] ?? 0) + 1;
        w.reset();
        if (m.kind === "request") encodeKeymapRequest(w);
        if (m.kind === "response") {
          encodeKeymapResponse(w, m.signKey, m.signature);
          // Signature over the responder's raw SID, and the key maps to that SID.
          const derived = book.sidFromSignKey(m.signKey);
          if (nacl.sign.detached.verify(f.source.slice(), m.signature.slice(), m.signKey.slice())
            && derived && bytesEqual(derived, f.source)) c.keymapSignaturesValid++;
          else c.failures.push(`#${d.frameNo}: keymap signature`);
        }
        if (!bytesEqual(w.view(), data)) c.failures.push(`#${d.frameNo}: keymap re-encode`);
      } else if (ports.dstPort === PORT_ECHO || ports.srcPort === PORT_ECHO) {
        const p = decodePing(data);
        c.pings++;
        if (!c.pingSeqs.includes(p.seq)) c.pingSeqs.push(p.seq);
        w.reset();
        encodePing(w, p.seq, p.timeMs);
        if (bytesEqual(w.view(), data)) c.pingReencoded++;
        else c.failures.push(`#${d.frameNo}: ping ${toHex(data)}`);
      }
    }
  }
  c.pingSeqs.sort((a, b) => a - b);
  return c;
}
