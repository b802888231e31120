// Minimal libpcap reader for Node tests: Ethernet, Linux cooked (v1/v2), raw
// IPv4 and NFLOG link types; IPv4 + UDP only (the interop captures hold only
// ARP, UDP 4110 and the odd ICMP). `.xz` files are decompressed with xz(1).
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

export interface UdpDatagram {
  /** Index of the record in the pcap, 1-based like tcpdump/wireshark frame numbers. */
  frameNo: number;
  /** Seconds since the epoch (fractional). */
  ts: number;
  srcIp: string;
  srcPort: number;
  dstIp: string;
  dstPort: number;
  payload: Uint8Array;
}

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_NFLOG = 239;
export const LINKTYPE_LINUX_SLL2 = 276;

export interface Pcap {
  linktype: number;
  records: { frameNo: number; ts: number; data: Uint8Array }[];
}

export function readPcapBytes(buf: Uint8Array): Pcap {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magicLE = dv.getUint32(0, true);
  let le: boolean;
  let nano: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) { le = true; nano = magicLE === 0xa1b23c4d; }
  else if (dv.getUint32(0, false) === 0xa1b2c3d4 || dv.getUint32(0, false) === 0xa1b23c4d) {
    le = false; nano = dv.getUint32(0, false) === 0xa1b23c4d;
  } else if (magicLE === 0x0a0d0d0a) {
    throw new Error("pcapng is not supported (no interop file needs it)");
  } else {
    throw new Error(`not a pcap file (magic ${magicLE.toString(16)})`);
  }
  const linktype = dv.getUint32(20, le) & 0x0fffffff;
  const records: Pcap["records"] = [];
  let off = 24;
  let frameNo = 0;
  while (off + 16 <= buf.length) {
    const sec = dv.getUint32(off, le);
    const frac = dv.getUint32(off + 4, le);
    const incl = dv.getUint32(off + 8, le);
    off += 16;
    if (off + incl > buf.length) break; // truncated final record
    frameNo++;
    records.push({ frameNo, ts: sec + frac / (nano ? 1e9 : 1e6), data: buf.subarray(off, off + incl) });
    off += incl;
  }
  return { linktype, records };
}

export function readPcapFile(path: string): Pcap {
  const raw = path.endsWith(".xz")
    ? execFileSync("xz", ["-dc", path], { maxBuffer: 1 << 28 })
    : readFileSync(path);
  return readPcapBytes(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength));
}

/** The IPv4 packet inside one link-layer record, or undefined. */
function ipv4Of(linktype: number, d: Uint8Array): Uint8Array | undefined {
  switch (linktype) {
    case LINKTYPE_ETHERNET: {
      let off = 12;
      let etype = (d[off] << 8) | d[off + 1];
      while (etype === 0x8100 || etype === 0x88a8) { off += 4; etype = (d[off] << 8) | d[off + 1]; }
      return etype === 0x0800 ? d.subarray(off + 2) : undefined;
    }
    case LINKTYPE_LINUX_SLL:
      return ((d[14] << 8) | d[15]) === 0x0800 ? d.subarray(16) : undefined;
    case LINKTYPE_LINUX_SLL2:
      return ((d[0] << 8) | d[1]) === 0x0800 ? d.subarray(20) : undefined;
    case LINKTYPE_RAW:
      return d[0] >> 4 === 4 ? d : undefined;
    case LINKTYPE_NFLOG: {
      // nflog header: family, version, resource id (BE); then TLVs with
      // host-order (little-endian here) 16-bit length and type, 4-byte aligned.
      if (d[0] !== 2) return undefined; // AF_INET
      let off = 4;
      while (off + 4 <= d.length) {
        const len = d[off] | (d[off + 1] << 8);
        const type = d[off + 2] | (d[off + 3] << 8);
        if (len < 4 || off + len > d.length) return undefined;
        if (type === 9) return d.subarray(off + 4, off + len); // NFULA_PAYLOAD
        off += (len + 3) & ~3;
      }
      return undefined;
    }
    default:
      throw new Error(`unsupported linktype ${linktype}`);
  }
}

function ipString(d: Uint8Array, off: number): string {
  return `${d[off]}.${d[off + 1]}.${d[off + 2]}.${d[off + 3]}`;
}

/** Every unfragmented IPv4/UDP datagram in the capture (optionally only those to or from `port`). */
export function udpDatagrams(p: Pcap, port?: number): UdpDatagram[] {
  const out: UdpDatagram[] = [];
  for (const rec of p.records) {
    const ip = ipv4Of(p.linktype, rec.data);
    if (!ip || ip.length < 20 || ip[0] >> 4 !== 4) continue;
    const ihl = (ip[0] & 15) * 4;
    const total = (ip[2] << 8) | ip[3];
    if (ip[9] !== 17) continue;
    const fragment = ((ip[6] << 8) | ip[7]) & 0x3fff;
    if (fragment !== 0) throw new Error(`frame ${rec.frameNo}: fragmented IPv4 not supported`);
    const end = Math.min(total, ip.length);
    const udp = ip.subarray(ihl, end);
    if (udp.length < 8) continue;
    const srcPort = (udp[0] << 8) | udp[1];
    const dstPort = (udp[2] << 8) | udp[3];
    const ulen = (udp[4] << 8) | udp[5];
    if (port !== undefined && srcPort !== port && dstPort !== port) continue;
    if (ulen < 8 || ulen > udp.length) throw new Error(`frame ${rec.frameNo}: UDP length ${ulen} vs ${udp.length} captured`);
    out.push({
      frameNo: rec.frameNo, ts: rec.ts,
      srcIp: ipString(ip, 12), srcPort, dstIp: ipString(ip, 16), dstPort,
      payload: udp.subarray(8, ulen),
    });
  }
  return out;
}
