// Recently-seen broadcast ids (BPI), as servald's overlay_broadcast_drop_check
// (PROTOCOL.md 4.2): 1024 slots indexed by a 16-bit rotate-xor hash of the 8-byte id,
// one id remembered per slot. The table starts zeroed, so an all-zero id always
// counts as a duplicate (PROTOCOL.md 9.4) -- we never generate one.
import { BPI_SLOTS, BROADCAST_ID_LEN } from "./constants";

/** Slot of an 8-byte broadcast id. */
export function bpiHash(id: Uint8Array): number {
  let h = 0;
  for (let i = 0; i < BROADCAST_ID_LEN; i++) {
    h = ((h << 3) & 0xfff8) + ((h >> 13) & 7);
    h ^= id[i];
  }
  return h & (BPI_SLOTS - 1);
}

export class BroadcastCache {
  private readonly ids = new Uint8Array(BPI_SLOTS * BROADCAST_ID_LEN);

  /** True if `id` was seen recently (drop); otherwise remember it and return false. */
  checkAndRemember(id: Uint8Array): boolean {
    const base = bpiHash(id) * BROADCAST_ID_LEN;
    let same = true;
    for (let i = 0; i < BROADCAST_ID_LEN; i++) {
      if (this.ids[base + i] !== id[i]) { same = false; break; }
    }
    if (same) return true;
    this.ids.set(id.subarray(0, BROADCAST_ID_LEN), base);
    return false;
  }
}
