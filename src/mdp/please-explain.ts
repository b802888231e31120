// Please-explain (legacy frame type 0x60, PROTOCOL.md 3.3), the node's side: the
// payload codec is src/wire/please-explain.ts; here are the views the node
// uses, the choice of answers, and a rate limit for our own questions.
import { ByteWriter } from "../wire/bytes";
import { decodePleaseExplain, encodePleaseExplain, type ExplainEntry } from "../wire/please-explain";

export interface ExplainEntries {
  /** Prefixes asked about. */
  requests: Uint8Array[];
  /** Full SIDs given. */
  sids: Uint8Array[];
  /** Signing keys given. */
  signKeys: Uint8Array[];
  explainYourself: boolean;
}

/** Sort a payload's entries by kind (entries after a malformed one are ignored, as servald). */
export function decodeExplain(b: Uint8Array): ExplainEntries {
  const e: ExplainEntries = { requests: [], sids: [], signKeys: [], explainYourself: false };
  for (const x of decodePleaseExplain(b).entries) {
    if (x.kind === "prefix") e.requests.push(x.bytes);
    else if (x.kind === "sid") e.sids.push(x.bytes);
    else if (x.kind === "signkey") e.signKeys.push(x.bytes);
    else e.explainYourself = true;
  }
  return e;
}

/** A payload of questions (prefixes of 1..31 bytes; others are skipped, since
 * length 0 would crash servald) and answers (full SIDs). */
export function encodeExplain(requests: readonly Uint8Array[], sids: readonly Uint8Array[], explainYourself = false): Uint8Array {
  const entries: ExplainEntry[] = [];
  for (const p of requests) if (p.length > 0 && p.length < 32) entries.push({ kind: "prefix", bytes: p });
  for (const s of sids) entries.push({ kind: "sid", bytes: s.subarray(0, 32) });
  if (explainYourself) entries.push({ kind: "explain-yourself", bytes: new Uint8Array(0) });
  const w = new ByteWriter(64);
  encodePleaseExplain(w, entries);
  return w.toBytes();
}

/** Minimal view of the address book for answering. */
export interface ExplainBook {
  matching(prefix: Uint8Array, max: number): { sid: Uint8Array; explainedAt: number; hex: string }[];
}

/**
 * SIDs to send back for the questions in `e` (each SID at most once per
 * `intervalMs`, PROTOCOL.md 3.3), plus our own for "explain yourself". `explained`
 * gets each answered subscriber (servald re-advertises its route).
 */
export function explainAnswers(
  e: ExplainEntries, book: ExplainBook, self: Uint8Array, now: number, intervalMs: number,
  explained: (hex: string) => void,
): Uint8Array[] {
  const answers: Uint8Array[] = [];
  for (const p of e.requests) {
    for (const s of book.matching(p, 8)) {
      if (now - s.explainedAt < intervalMs) continue;
      s.explainedAt = now;
      answers.push(s.sid);
      explained(s.hex);
    }
  }
  if (e.explainYourself) answers.push(self);
  return answers.slice(0, 30);
}

/** Rate limit for our questions: one per prefix per interval, bounded memory. */
export class ExplainLimiter {
  private readonly asked = new Map<string, number>();
  constructor(private readonly intervalMs: number, private readonly max = 64) {}

  /** The prefixes we may ask about now (marks them asked). */
  filter(prefixes: readonly Uint8Array[], now: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const p of prefixes) {
      if (p.length === 0 || p.length >= 32) continue;
      let k = "";
      for (let i = 0; i < p.length; i++) k += String.fromCharCode(p[i]);
      const at = this.asked.get(k);
      if (at !== undefined && now - at < this.intervalMs) continue;
      if (this.asked.size >= this.max) {
        for (const [key, t] of this.asked) if (now - t >= this.intervalMs) this.asked.delete(key);
        if (this.asked.size >= this.max) this.asked.clear();
      }
      this.asked.set(k, now);
      out.push(p);
    }
    return out;
  }
}
