// Outgoing packets from the oldest unacknowledged to the newest queued, in
// sequence order. The application's bytes are packed into fixed-capacity
// bodies as they are written; a packet is sealed once first transmitted
// (later writes start a new one). Bodies are recycled through one small pool
// shared by every connection of the process (a pool per connection held up
// to 8 idle bodies for each of 100 streams).

import { MSP_FLAG_SHUTDOWN } from "../wire/msp-packet";
import { seqAdd, seqDiff } from "./seq";

export interface TxPacket {
  seq: number;
  flags: number;
  body: Uint8Array;
  len: number;
  /** Time of the last transmission, -1 if never sent. */
  sentAt: number;
  sendCount: number;
  /** Marked lost: retransmit before any new data. */
  lost: boolean;
  /** The peer's selective-ack hint says it arrived. */
  sacked: boolean;
  /** sentAt of the copy a hint reported missing (the packet before an
   * unpaired hint), -1 if none: RACK may mark it lost, not only the hole. */
  missingSent: number;
}

/** Freed packets, with their bodies, kept for reuse by all connections together
 * (per connection, 32 bodies held 3 MB over 100 idle-ish streams; a packet
 * literal is 9 generic property definitions in QuickJS, per data packet). Only
 * bodies of one size are pooled: every connection of a process uses the same
 * maxBody. */
const POOL_MAX = 64;
const pool: TxPacket[] = [];
let poolSize = -1;

/** A packet with an empty body of `capacity` bytes, its other fields as given here. */
function takePacket(capacity: number, seq: number, flags: number): TxPacket {
  const p = capacity === poolSize ? pool.pop() : undefined;
  if (p === undefined) {
    return { seq, flags, body: new Uint8Array(capacity), len: 0, sentAt: -1, sendCount: 0, lost: false, sacked: false, missingSent: -1 };
  }
  p.seq = seq; p.flags = flags; p.len = 0; p.sentAt = -1; p.sendCount = 0; p.lost = false; p.sacked = false; p.missingSent = -1;
  return p;
}

/** A packet no one holds any more (its fields stay until takePacket refills it). */
function givePacket(p: TxPacket): void {
  if (p.body.length !== poolSize) {
    if (pool.length > 0) return;
    poolSize = p.body.length;
  }
  if (pool.length < POOL_MAX) pool.push(p);
}

export class SendBuffer {
  private packets: TxPacket[] = [];
  private head = 0;
  /** Index (relative to head) of the first never-sent packet. */
  private unsentIdx = 0;
  /** Seq the next new packet will get. */
  nextSeq = 0;
  /** Body bytes held (unsent + unacknowledged). */
  bytes = 0;
  /** Count of packets marked lost and not yet resent. */
  lostCount = 0;

  constructor(private readonly capacity: number) {}

  get count(): number { return this.packets.length - this.head; }
  /** Packets sent at least once and not yet acknowledged. */
  get inFlight(): number { return this.unsentIdx; }
  get hasUnsent(): boolean { return this.unsentIdx < this.count; }
  /** Seq of the oldest packet held (== nextSeq when empty). */
  get una(): number { return this.count ? this.packets[this.head].seq : this.nextSeq; }

  at(i: number): TxPacket { return this.packets[this.head + i]; }
  oldest(): TxPacket | undefined { return this.count ? this.packets[this.head] : undefined; }

  /** Copy as many of `data` as fit in the buffer; returns the count accepted. */
  write(data: Uint8Array, space: number): number {
    const n = Math.max(0, Math.min(data.length, space));
    let off = 0;
    while (off < n) {
      let tail = this.count > this.unsentIdx ? this.packets[this.packets.length - 1] : undefined;
      if (!tail || tail.len >= this.capacity || tail.flags & MSP_FLAG_SHUTDOWN) tail = this.push(0);
      const take = Math.min(n - off, this.capacity - tail.len);
      tail.body.set(data.subarray(off, off + take), tail.len);
      tail.len += take;
      off += take;
    }
    this.bytes += n;
    return n;
  }

  /** Mark the end of the stream: on the unsent tail if any, else a new empty packet. */
  shutdown(): void {
    const tail = this.count > this.unsentIdx ? this.packets[this.packets.length - 1] : undefined;
    if (tail) tail.flags |= MSP_FLAG_SHUTDOWN;
    else this.push(MSP_FLAG_SHUTDOWN);
  }

  private push(flags: number): TxPacket {
    const p = takePacket(this.capacity, this.nextSeq, flags);
    this.nextSeq = seqAdd(this.nextSeq, 1);
    this.packets.push(p);
    return p;
  }

  /** The next never-sent packet, now counted as in flight. */
  takeUnsent(): TxPacket | undefined {
    if (this.unsentIdx >= this.count) return undefined;
    return this.packets[this.head + this.unsentIdx++];
  }

  /** Oldest packet marked lost. */
  firstLost(): TxPacket | undefined {
    if (this.lostCount === 0) return undefined;
    for (let i = 0; i < this.unsentIdx; i++) {
      const p = this.packets[this.head + i];
      if (p.lost) return p;
    }
    this.lostCount = 0;
    return undefined;
  }

  /** Returns true if newly marked. */
  markLost(p: TxPacket): boolean {
    if (p.lost || p.sacked || p.sentAt < 0) return false;
    p.lost = true;
    this.lostCount++;
    return true;
  }

  clearLost(p: TxPacket): void {
    if (p.lost) { p.lost = false; this.lostCount--; }
  }

  /** How many sent packets `ack` (last seq received by the peer) covers: 0 if none or bogus. */
  ackedCount(ack: number): number {
    const n = seqDiff(ack, this.una) + 1;
    return n > 0 && n <= this.unsentIdx ? n : 0;
  }

  /** Free the oldest n packets. Returns the newest freed one (valid until the next push). */
  release(n: number): TxPacket | undefined {
    let last: TxPacket | undefined;
    for (let i = 0; i < n; i++) {
      const p = this.packets[this.head++];
      this.bytes -= p.len;
      if (p.lost) this.lostCount--;
      givePacket(p);
      last = p;
    }
    this.unsentIdx -= n;
    if (this.head > 64 && this.head * 2 > this.packets.length) {
      this.packets = this.packets.slice(this.head);
      this.head = 0;
    }
    return last;
  }

  /** Drop everything (STOP). */
  clear(): void {
    for (let i = this.head; i < this.packets.length; i++) givePacket(this.packets[i]);
    this.packets = [];
    this.head = 0;
    this.unsentIdx = 0;
    this.bytes = 0;
    this.lostCount = 0;
  }
}
