// Abbreviated SIDs on the wire (PROTOCOL.md 3.1, issue 12). Serval DNA writes
// every SID but a new one as a short prefix (overlay_address.c: its trie depth
// in whole nibbles, / 8 + 1 bytes; 8 bits more for the envelope transmitter and
// a link record's receiver) and relies on please-explain when a receiver cannot
// resolve one. We abbreviate a SID only where every receiver is known to know
// it: it named the SID in a link-state record it sent us (its routes, NO_PATH
// records, its ACKs name us), or the SID was already written in full earlier in
// the same payload. A prefix of a SID the receiver knows resolves to it or is
// ambiguous there (a please-explain), never to another SID. Until a neighbour
// has named a SID, and for EXPLAIN_FULL_SIDS_MS after anyone on an interface
// asked us to explain an address, SIDs go out in full there: a node that comes
// up, or restarted and forgot, learns them from what it hears. Abbreviations
// are at least ABBREVIATION_MIN_BYTES long.
//
// API:
//   noteNamed(n, records, subs, max)     n sent these records: remember what it knows
//   abbreviator(subs, knowers): Abbreviate   for a packet or payload those neighbours receive
import type { LinkRecordRepr } from "../wire/types";
import type { Abbreviate } from "../wire/address";
import type { Neighbour } from "./neighbours";
import type { Subscribers } from "./subscribers";

/** Never shorter: a node that has just come up knows few SIDs, and the 1-byte
 * prefix that is unique in its table is often ambiguous in its neighbours'
 * (a please-explain, and full SIDs for a while). */
export const ABBREVIATION_MIN_BYTES = 2;

/** n sent us these link-state records: every SID in them is one it knows. At most
 * `max` remembered per neighbour (the subscriber cap). */
export function noteNamed(n: Neighbour, records: readonly LinkRecordRepr[], subs: Subscribers, max: number): void {
  const knows = n.knows;
  const before = knows.size;
  for (let i = 0; i < records.length; i++) {
    const rec = records[i];
    if (rec.receiver) {
      const s = subs.get(rec.receiver);
      if (s && knows.size < max) knows.add(s);
    }
    if (rec.transmitter) {
      const s = subs.get(rec.transmitter);
      if (s && knows.size < max) knows.add(s);
    }
  }
  if (knows.size !== before) subs.namedGen++;
}

/** How to write SIDs in a packet or payload that exactly `knowers` receive
 * (empty: someone else may, so only SIDs already written in it are abbreviated). */
export function abbreviator(subs: Subscribers, knowers: readonly Neighbour[]): Abbreviate {
  return (sid, extra, inContext) => {
    const s = subs.get(sid);
    if (!s) return 0;
    if (!inContext) {
      if (knowers.length === 0) return 0;
      for (let i = 0; i < knowers.length; i++) if (!knowers[i].knows.has(s)) return 0;
    }
    const len = s.abbrev < ABBREVIATION_MIN_BYTES ? ABBREVIATION_MIN_BYTES : s.abbrev;
    return extra ? len + 1 : len;
  };
}
