// How often a changed route's record is sent (advert-records.ts advertSends,
// windowLoss, advertRecords): ADVERT_SENDS times on clean links, more while a
// direct neighbour's link is lossy (33% loss: a record lost all 4 times, 1.2%
// per record per link, waited 10 s for the full advert; mdp-sim-lossy-adverts).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { markChanged, REACHABLE_UNICAST, type Route } from "../../src/mdp/routing";
import { newNeighbour, type Neighbour } from "../../src/mdp/neighbours";
import { SeqWindow64 } from "../../src/mdp/link-window";
import { advertRecords, advertSends, windowLoss } from "../../src/mdp/advert-records";
import { ADVERT_SENDS, ADVERT_SENDS_MAX, LONG_AGO } from "../../src/mdp/constants";

const NOW = 10_000;

function sidOf(hex: string): Uint8Array {
  const s = new Uint8Array(32);
  for (let i = 0; i < hex.length && i < 32; i++) s[i] = hex.charCodeAt(i);
  return s;
}

/** A link window that heard `count` sequences from `first` on, less those `lost` says. */
function windowOf(count: number, lost: (i: number) => boolean = () => false, first = 0): SeqWindow64 {
  const w = new SeqWindow64();
  for (let i = 0; i < count; i++) if (!lost(i)) w.receive((first + i) & 0xff);
  return w;
}

function neighbour(name: string, window: SeqWindow64, reachable = true): Neighbour {
  const sub = { sid: sidOf(name), hex: name, signKey: undefined, local: false, lastUsed: 0, explainedAt: 0, keyRequestAt: 0, abbrev: 1 };
  const n = newNeighbour(sub, NOW);
  n.linksIn.push({ iface: undefined as never, theirIf: 0, unicast: false, address: name, window, lastRxAt: NOW, unacked: 0, dupRun: 0 });
  n.wasReachable = reachable;
  return n;
}

test("windowLoss: missing sequences from the oldest heard to the newest; late packets count as heard", () => {
  assert.is(windowLoss(new SeqWindow64()), 0, "nothing heard");
  assert.is(windowLoss(windowOf(40)), 0, "clean");
  assert.is(windowLoss(windowOf(20, () => false, 250)), 0, "heard from seq 250 on, wrapping: what came before is not lost");
  assert.is(windowLoss(windowOf(30, (i) => i % 3 === 1)), 10 / 30);
  assert.is(windowLoss(windowOf(200, (i) => i % 4 === 1)), 16 / 65, "over the 64-sequence window and the newest");
  const reordered = new SeqWindow64();
  for (const s of [0, 1, 2, 3, 5, 4, 6, 7, 9, 8, 10]) reordered.receive(s);
  assert.is(windowLoss(reordered), 0, "reordering is no loss");
  assert.is(windowLoss(windowOf(6, (i) => i % 2 === 1)), 0, "too short a history to tell");
});

test("advertSends: ADVERT_SENDS on clean links, more as the worst direct neighbour's loss grows, at most ADVERT_SENDS_MAX", () => {
  assert.is(advertSends([]), ADVERT_SENDS, "no neighbours");
  assert.is(advertSends([neighbour("A", windowOf(64)), neighbour("B", windowOf(10))]), ADVERT_SENDS, "clean");
  assert.is(advertSends([neighbour("A", windowOf(64, (i) => i % 10 === 5))]), ADVERT_SENDS, "10% loss: 0.1^4 = 1/10000");
  assert.is(advertSends([neighbour("A", windowOf(64, (i) => i % 5 === 2))]), 6, "20% loss: 0.2^6 < 1/10000");
  assert.is(advertSends([neighbour("A", windowOf(64)), neighbour("B", windowOf(63, (i) => i % 3 === 1))]), 9, "33% loss: 0.33^9 < 1/10000");
  assert.is(advertSends([neighbour("A", windowOf(64, (i) => i % 2 === 1))]), ADVERT_SENDS_MAX, "50%: capped");
  assert.is(advertSends([neighbour("A", windowOf(63, (i) => i % 3 === 1), false)]), ADVERT_SENDS, "a neighbour that is not direct does not count");
});

function directRoute(name: string): Route {
  return {
    hex: name, sid: sidOf(name), reachable: REACHABLE_UNICAST, nextHop: neighbour(name, windowOf(64)), hops: 1, dropRate: 0, priorHex: "SELF", version: 1,
    changedAt: 0, lostAt: 0, advertOwed: 0, advertSentAt: LONG_AGO, advertGap: 0, silent: false,
  };
}

/** When a changed route's record goes out, polling every 10 ms for 10 s. */
function sendTimes(sends: number): number[] {
  const r = directRoute("B");
  markChanged(r, NOW);
  const at: number[] = [];
  for (let t = NOW; t < NOW + 10_000; t += 10) {
    const a = advertRecords(t, false, sidOf("SELF"), [], [r], sidOf, sends);
    if (a.records.length > 0) at.push(t - NOW);
  }
  assert.is(r.advertOwed, 0, "nothing owed after the sends");
  return at;
}

test("advertRecords: a change goes out ADVERT_SENDS times on clean links (0/150/450/1050 ms), `sends` times on lossy ones (then every 600 ms)", () => {
  assert.equal(sendTimes(ADVERT_SENDS), [0, 150, 450, 1050]);
  assert.equal(sendTimes(7), [0, 150, 450, 1050, 1650, 2250, 2850]);
  assert.equal(sendTimes(ADVERT_SENDS_MAX).length, ADVERT_SENDS_MAX);
});

test("advertRecords batch: the repeats of two changes 30 ms apart share packets once half their gap has passed (5 packets, not 8)", () => {
  const a = directRoute("A"), b = directRoute("B");
  const run = (batch: boolean): string[] => {
    a.advertOwed = b.advertOwed = 0;
    const sent: string[] = [];
    // As the node does: an advert when a change is made, then at the next owed send (nextDue).
    let due = Infinity;
    const advert = (t: number) => {
      const out = advertRecords(t, false, sidOf("SELF"), [], [a, b], sidOf, ADVERT_SENDS, batch);
      if (out.records.length > 0) sent.push(`${t - NOW}:${out.records.map((r) => String.fromCharCode(r.receiver![0]!)).join("")}`);
      due = out.nextDue;
    };
    markChanged(a, NOW);
    advert(NOW);
    for (let t = NOW + 10; t < NOW + 5000; t += 10) {
      if (t === NOW + 30) { markChanged(b, t); advert(t); continue; }
      if (t >= due) advert(t);
    }
    assert.is(a.advertOwed + b.advertOwed, 0, "nothing owed after the sends");
    return sent;
  };
  assert.equal(run(false), ["0:A", "30:B", "150:A", "180:B", "450:A", "480:B", "1050:A", "1080:B"]);
  // B's second send rides with A's at 150 ms (120 ms after its first: past half of 150); from then on they go together.
  assert.equal(run(true), ["0:A", "30:B", "150:AB", "450:AB", "1050:AB"]);
});

test.run();
