// Which SID abbreviator a packet to a destination uses (the rule itself is
// abbreviation.ts): the neighbours the packet reaches, and the abbreviator made
// for them, kept while they are the same. A unicast destination's receivers
// change only with the neighbour table; a broadcast's with the time and the
// packets received, so it looks again at most once per time and packet count
// and keeps its abbreviator while the same neighbours answer. Used by the
// transmitter for envelopes (Sender.abbreviateFor) and by send.ts for link-state
// payloads.
import type { Abbreviate } from "../wire/address";
import type { NodeContext } from "./context";
import { reachableTimeout, type Destination, type Neighbour } from "./neighbours";
import { abbreviator } from "./abbreviation";

/** The same neighbours in the same order. */
function sameNeighbours(a: readonly Neighbour[], b: readonly Neighbour[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class DestinationAbbreviators {
  constructor(private readonly cx: NodeContext) {}

  /** SIDs in a packet to `dest` are abbreviated where all neighbours it reaches know them (abbreviation.ts). */
  forDest(dest: Destination, now: number): Abbreviate {
    if (now < dest.iface.fullSidsUntil) return (this.noKnowers ??= abbreviator(this.cx.subs, []));
    // A unicast destination's receivers change only with the neighbour table
    // (its version): built once, not per packet (the abbreviator reads what they
    // know when it runs).
    const nt = this.cx.nt;
    if (dest.unicast) {
      if (dest.abbreviateVersion === nt.version && dest.abbreviate) return dest.abbreviate;
      const fn = abbreviator(this.cx.subs, this.knowersOf(dest, now, []));
      dest.abbreviate = fn;
      dest.abbreviateVersion = nt.version;
      return fn;
    }
    // A broadcast's receivers are the neighbours with a live link in on its
    // interface (they change with time): looked for per packet, but the
    // abbreviator is kept while they are the same, so each tick's envelope and
    // link-state payloads do not choose our own SID's abbreviation anew. (Links
    // in change only with a packet received or the time: a tick's payloads and
    // its packet, in the same pass, look once.)
    const rx = this.cx.stats.packetsIn;
    if (dest.abbreviate && dest.abbreviateAt === now && dest.abbreviateRx === rx && dest.abbreviateVersion === nt.version) return dest.abbreviate;
    dest.abbreviateAt = now;
    dest.abbreviateRx = rx;
    dest.abbreviateVersion = nt.version;
    const knowers = this.knowersOf(dest, now, this.knowersScratch);
    const kept = dest.abbreviateKnowers;
    if (dest.abbreviate && kept && sameNeighbours(kept, knowers)) return dest.abbreviate;
    const own = knowers.slice();
    dest.abbreviateKnowers = own;
    return (dest.abbreviate = abbreviator(this.cx.subs, own));
  }

  /** knowersOf's answer for a broadcast, before it is compared (reused). */
  private readonly knowersScratch: Neighbour[] = [];

  /** The neighbours a packet to `dest` reaches (none while SIDs go in full there), in `out` (emptied first). */
  knowersOf(dest: Destination, now: number, out: Neighbour[]): Neighbour[] {
    out.length = 0;
    const iface = dest.iface;
    if (now < iface.fullSidsUntil) return out;
    const list = this.cx.nt.list;
    // (one loop per kind of destination, not a test per neighbour; per tick)
    if (dest.unicast) {
      for (let k = 0; k < list.length; k++) {
        const outs = list[k].outLinks;
        for (let i = 0; i < outs.length; i++) if (outs[i].dest === dest) { out.push(list[k]); break; }
      }
      return out;
    }
    for (let k = 0; k < list.length; k++) {
      const n = list[k];
      const links = n.linksIn;
      for (let i = 0; i < links.length; i++) {
        const l = links[i];
        if (l.iface === iface && l.lastRxAt + reachableTimeout(n, iface.tickMs) >= now) { out.push(n); break; }
      }
    }
    return out;
  }

  /** The abbreviator while SIDs go out in full on an interface (only those already written in the packet are abbreviated). */
  private noKnowers: Abbreviate | undefined;
}
