// Receive reassembly: a ring of `window` slots starting at nextSeq (Serval
// DNA's rx.next_seq, the next packet to hand to the application). Packets
// arrive in any order and are delivered strictly in order; nextSeq advances
// only when the application has consumed a whole packet, so the ack
// (nextSeq - 1) doubles as flow control. Packets beyond the window are
// dropped, bounding memory to window * max body. The ring starts small and
// grows (doubling, up to window) only when packets arrive that far ahead; it
// shrinks again once empty, so an idle or in-order stream holds a few slots,
// not window (256 slots were 4 KB per stream, most of them never used).

import { seqAdd, seqDiff } from "./seq";

export interface RxPacket {
  flags: number;
  body: Uint8Array;
}

export const RX_NEW = 0;
export const RX_DUPLICATE = 1;
export const RX_OLD = 2;
export const RX_BEYOND = 3;
export type RxInsertResult = typeof RX_NEW | typeof RX_DUPLICATE | typeof RX_OLD | typeof RX_BEYOND;

/** Slots a ring starts with, and keeps when it empties after growing beyond SHRINK_AT. */
const INITIAL_SLOTS = 8;
const SHRINK_AT = 64;

export class ReceiveBuffer {
  private slots: (RxPacket | undefined)[];
  /** slots.length: grows up to window. */
  private cap: number;
  private headIdx = 0;
  /** Bytes of the head packet already consumed. */
  offset = 0;
  nextSeq = 0;
  /** Packets held (in order or not). */
  count = 0;
  /** Packets held back to back from the head (nextSeq .. nextSeq + inOrder - 1):
   * contiguousThrough() in O(1), not a walk from the head per packet. */
  private inOrder = 0;

  constructor(private readonly window: number) {
    this.cap = Math.min(window, INITIAL_SLOTS);
    this.slots = new Array<RxPacket | undefined>(this.cap).fill(undefined);
  }

  /** Store a copy of `body` for `seq`. */
  insert(seq: number, flags: number, body: Uint8Array): RxInsertResult {
    const d = seqDiff(seq, this.nextSeq);
    if (d < 0) return RX_OLD;
    if (d >= this.window) return RX_BEYOND;
    if (d >= this.cap) this.grow(d + 1);
    const i = (this.headIdx + d) % this.cap;
    if (this.slots[i]) return RX_DUPLICATE;
    this.slots[i] = { flags, body: body.slice() };
    this.count++;
    if (d === this.inOrder) {
      let k = d + 1;
      while (k < this.cap && this.slots[(this.headIdx + k) % this.cap]) k++;
      this.inOrder = k;
    }
    return RX_NEW;
  }

  /** The next in-order packet, if it has arrived. */
  head(): RxPacket | undefined {
    return this.slots[this.headIdx];
  }

  /** The packet k places after the head (0 = head()), if it has arrived. */
  peek(k: number): RxPacket | undefined {
    return k < this.cap ? this.slots[(this.headIdx + k) % this.cap] : undefined;
  }

  /** True if `seq` is held (delivered in order or waiting beyond a hole). */
  holds(seq: number): boolean {
    const d = seqDiff(seq, this.nextSeq);
    return d >= 0 && d < this.cap && this.slots[(this.headIdx + d) % this.cap] !== undefined;
  }

  /** True if every packet from nextSeq through `seq` is held. */
  contiguousThrough(seq: number): boolean {
    return seqDiff(seq, this.nextSeq) < this.inOrder;
  }

  /** Release the head packet and move to the next seq. */
  advance(): void {
    this.slots[this.headIdx] = undefined;
    this.headIdx = (this.headIdx + 1) % this.cap;
    this.nextSeq = seqAdd(this.nextSeq, 1);
    this.offset = 0;
    this.count--;
    if (this.inOrder > 0) this.inOrder--;
    if (this.count === 0 && this.cap >= SHRINK_AT) {
      this.cap = INITIAL_SLOTS;
      this.slots = new Array<RxPacket | undefined>(this.cap).fill(undefined);
      this.headIdx = 0;
    }
  }

  /** Room for at least `need` slots from the head (at most window), in seq order from 0. */
  private grow(need: number): void {
    let cap = this.cap * 2;
    while (cap < need) cap *= 2;
    cap = Math.min(this.window, cap);
    const slots = new Array<RxPacket | undefined>(cap).fill(undefined);
    for (let k = 0; k < this.cap; k++) slots[k] = this.slots[(this.headIdx + k) % this.cap];
    this.slots = slots;
    this.cap = cap;
    this.headIdx = 0;
  }
}
