// Please-explain (legacy frame type 0x60, PROTOCOL.md 3.3), the node's side: the
// payload codec is src/wire/please-explain.ts; here are the views the node
// uses, the choice of answers, a rate limit for our own questions, and the
// room (PleaseExplain) that receives, answers and asks.
import { TYPE_PLEASEEXPLAIN, type Sid } from "../wire/types";
import { ByteWriter, toHex } from "../wire/bytes";
import { decodePleaseExplain, encodePleaseExplain, type ExplainEntry } from "../wire/please-explain";
import type { NodeContext } from "./context";
import type { Iface, Neighbour } from "./neighbours";
import { REACHABLE_NONE, type Route } from "./routing";
import type { Sender } from "./send";
import { EXPLAIN_ASKS_MAX, EXPLAIN_FULL_SIDS_MS, EXPLAIN_REPLY_INTERVAL_MS, TTL_DEFAULT } from "./constants";

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

/** The please-explain room of the node: learn what we are told, answer what
 * we know, ask about what we cannot resolve. Owns the limit on our questions. */
export class PleaseExplain {
  private readonly limiter = new ExplainLimiter(EXPLAIN_REPLY_INTERVAL_MS);

  constructor(
    private readonly cx: NodeContext,
    private readonly sender: Sender,
    /** A route's record was explained: advertise it again (servald's link_explained). */
    private readonly explained: (r: Route, now: number) => void,
  ) {}

  /** A please-explain frame from `source` (via neighbour n, heard on iface from `from`). */
  receive(now: number, iface: Iface, from: string, n: Neighbour, source: Sid, payload: Uint8Array): void {
    const cx = this.cx;
    const e = decodeExplain(payload);
    if (e.requests.length > 0 || e.explainYourself) iface.fullSidsUntil = now + EXPLAIN_FULL_SIDS_MS; // abbreviation.ts
    for (const s of e.sids) cx.subs.add(s);
    for (const k of e.signKeys) {
      const sid = cx.crypto.sidFromSignKey(k);
      if (sid) cx.subs.learnSignKey(sid, k);
    }
    const answers = explainAnswers(e, cx.subs, cx.primarySid, now, EXPLAIN_REPLY_INTERVAL_MS, (hex) => {
      const r = cx.routeTable.get(hex);
      if (r) this.explained(r, now);
    });
    if (answers.length === 0) return;
    cx.stats.explainsAnswered++;
    this.sendToNeighbourOrRoute(now, source, encodeExplain([], answers), iface, from);
  }

  /** Ask about prefixes we could not resolve (PROTOCOL.md 3.3): the transmitter n
   * if we know it, else on broadcast and back to the sender's address. */
  ask(now: number, iface: Iface, from: string, n: Neighbour | undefined, prefixes: Uint8Array[]): void {
    const asks = this.limiter.filter(prefixes, now).slice(0, EXPLAIN_ASKS_MAX);
    // An empty marker stands for a P2P_ME we cannot resolve: "explain yourself" (0xFD).
    const yourself = prefixes.some((p) => p.length === 0);
    if (asks.length === 0 && !yourself) return;
    this.cx.stats.explainsSent++;
    // With the SIDs we know that match (as servald): the sender learns its abbreviation was too short.
    const body = encodeExplain(asks, asks.flatMap((p) => this.cx.subs.matching(p, 4).map((x) => x.sid)).slice(0, 8), yourself);
    const frame = this.sender.controlFrame(undefined, body, TYPE_PLEASEEXPLAIN);
    if (n) {
      // The transmitter is known: ask it directly.
      this.sendToNeighbourOrRoute(now, n.sub.sid, body, iface, from);
      return;
    }
    this.sender.addFixed(now, frame, iface.broadcast);
    this.sender.addFixed(now, { ...frame }, this.cx.nt.unicastDest(iface, from));
  }

  /** A one-hop frame to a neighbour over its chosen link, or all its live out-links,
   * or (not a neighbour) routed, or (unknown) on the link it came from. */
  private sendToNeighbourOrRoute(now: number, to: Sid, body: Uint8Array, iface: Iface, from: string): void {
    const cx = this.cx;
    const sender = this.sender;
    const hex = toHex(to);
    const nb = cx.nt.byHex.get(hex);
    if (nb) {
      for (const d of cx.nt.destsFor(nb, now)) sender.addFixed(now, sender.controlFrame(nb.sub.sid, body, TYPE_PLEASEEXPLAIN), d);
      return;
    }
    const r = cx.routeTable.get(hex);
    if (r && r.reachable !== REACHABLE_NONE) {
      const f = sender.controlFrame(cx.subs.add(to).sid, body, TYPE_PLEASEEXPLAIN);
      f.ttl = TTL_DEFAULT;
      sender.addRouted(now, f, false);
      return;
    }
    // Unknown sender: answer on the link it came from.
    sender.addFixed(now, sender.controlFrame(undefined, body, TYPE_PLEASEEXPLAIN), iface.broadcast);
    sender.addFixed(now, sender.controlFrame(undefined, body, TYPE_PLEASEEXPLAIN), cx.nt.unicastDest(iface, from));
  }
}
