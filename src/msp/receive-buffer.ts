// Receive reassembly: a ring of `window` slots starting at nextSeq (Serval
// DNA's rx.next_seq, the next packet to hand to the application). Packets
// arrive in any order and are delivered strictly in order; nextSeq advances
// only when the application has consumed a whole packet, so the ack
// (nextSeq - 1) doubles as flow control. Packets beyond the window are
// dropped, bounding memory to window * max body.

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

export class ReceiveBuffer {
  private slots: (RxPacket | undefined)[];
  private headIdx = 0;
  /** Bytes of the head packet already consumed. */
  offset = 0;
  nextSeq = 0;
  /** Packets held (in order or not). */
  count = 0;

  constructor(private readonly window: number) {
    this.slots = new Array<RxPacket | undefined>(window).fill(undefined);
  }

  /** Store a copy of `body` for `seq`. */
  insert(seq: number, flags: number, body: Uint8Array): RxInsertResult {
    const d = seqDiff(seq, this.nextSeq);
    if (d < 0) return RX_OLD;
    if (d >= this.window) return RX_BEYOND;
    const i = (this.headIdx + d) % this.window;
    if (this.slots[i]) return RX_DUPLICATE;
    this.slots[i] = { flags, body: body.slice() };
    this.count++;
    return RX_NEW;
  }

  /** The next in-order packet, if it has arrived. */
  head(): RxPacket | undefined {
    return this.slots[this.headIdx];
  }

  /** True if `seq` is held (delivered in order or waiting beyond a hole). */
  holds(seq: number): boolean {
    const d = seqDiff(seq, this.nextSeq);
    return d >= 0 && d < this.window && this.slots[(this.headIdx + d) % this.window] !== undefined;
  }

  /** True if every packet from nextSeq through `seq` is held. */
  contiguousThrough(seq: number): boolean {
    const d = seqDiff(seq, this.nextSeq);
    if (d < 0) return true;
    if (d >= this.window) return false;
    for (let k = 0; k <= d; k++) if (!this.slots[(this.headIdx + k) % this.window]) return false;
    return true;
  }

  /** Release the head packet and move to the next seq. */
  advance(): void {
    this.slots[this.headIdx] = undefined;
    this.headIdx = (this.headIdx + 1) % this.window;
    this.nextSeq = seqAdd(this.nextSeq, 1);
    this.offset = 0;
    this.count--;
  }
}
