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
