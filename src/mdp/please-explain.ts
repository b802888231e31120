// Please-explain payloads (legacy frame type 0x60, spec 3.3): a run of
// entries, each `len(1..31) prefix` (a question), `0x20 SID` (an answer),
// `0xFB signkey` (an answer carrying the signing key) or `0xFD` (explain yourself).
// Parsing stops at the first malformed entry (servald abandons the rest).

export const EXPLAIN_FULL = 0x20;
export const EXPLAIN_SIGNKEY = 0xfb;
export const EXPLAIN_YOURSELF = 0xfd;

export interface ExplainEntries {
  /** Prefixes asked about. */
  requests: Uint8Array[];
  /** Full SIDs given. */
  sids: Uint8Array[];
  /** Signing keys given. */
  signKeys: Uint8Array[];
  explainYourself: boolean;
}

export function decodeExplain(b: Uint8Array): ExplainEntries {
  const e: ExplainEntries = { requests: [], sids: [], signKeys: [], explainYourself: false };
  let pos = 0;
  while (pos < b.length) {
    const q = b[pos++];
    if (q === EXPLAIN_YOURSELF) { e.explainYourself = true; continue; }
    if (q === EXPLAIN_SIGNKEY) {
      if (pos + 32 > b.length) break;
      e.signKeys.push(b.subarray(pos, pos + 32));
      pos += 32;
      continue;
    }
    if (q === 0 || q > 32 || pos + q > b.length) break;
    if (q === EXPLAIN_FULL) e.sids.push(b.subarray(pos, pos + 32));
    else e.requests.push(b.subarray(pos, pos + q));
    pos += q;
  }
  return e;
}

/** Build a payload from questions (prefixes, never empty) and answers (full SIDs). */
export function encodeExplain(requests: readonly Uint8Array[], sids: readonly Uint8Array[], explainYourself = false): Uint8Array {
  let n = explainYourself ? 1 : 0;
  for (const p of requests) if (p.length > 0 && p.length < 32) n += 1 + p.length;
  n += sids.length * 33;
  const out = new Uint8Array(n);
  let pos = 0;
  for (const p of requests) {
    if (p.length === 0 || p.length >= 32) continue; // a 0 length would crash servald
    out[pos++] = p.length;
    out.set(p, pos);
    pos += p.length;
  }
  for (const s of sids) {
    out[pos++] = EXPLAIN_FULL;
    out.set(s.subarray(0, 32), pos);
    pos += 32;
  }
  if (explainYourself) out[pos++] = EXPLAIN_YOURSELF;
  return out;
}

/** Minimal view of the address book for answering. */
export interface ExplainBook {
  matching(prefix: Uint8Array, max: number): { sid: Uint8Array; explainedAt: number; hex: string }[];
}

/**
 * SIDs to send back for the questions in `e` (each SID at most once per
 * `intervalMs`, spec 3.3), plus our own for "explain yourself". `explained`
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
