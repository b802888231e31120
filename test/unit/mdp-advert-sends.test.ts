// How often a changed route's record is sent (link-state.ts advertSends,
// advertRecords): ADVERT_SENDS times on clean links, more while a direct
// neighbour's link is lossy (33% loss: a record lost all 4 times, 1.2% per
// record per link, waited 10 s for the full advert; mdp-sim-lossy-adverts).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { markChanged, REACHABLE_UNICAST, type Route } from "../../src/mdp/routing";
import { newNeighbour, type Neighbour } from "../../src/mdp/neighbours";
import { advertRecords, advertSends } from "../../src/mdp/link-state";
import { ADVERT_SENDS, ADVERT_SENDS_MAX, LONG_AGO } from "../../src/mdp/constants";

const NOW = 10_000;

function sidOf(hex: string): Uint8Array {
  const s = new Uint8Array(32);
  for (let i = 0; i < hex.length && i < 32; i++) s[i] = hex.charCodeAt(i);
  return s;
}

function neighbour(name: string, rxLoss: number, txDropRate = 0, reachable = true): Neighbour {
  const sub = { sid: sidOf(name), hex: name, signKey: undefined, local: false, lastUsed: 0, explainedAt: 0, keyRequestAt: 0, abbrev: 1 };
  const n = newNeighbour(sub, NOW);
  n.rxLoss = rxLoss;
  n.txDropRate = txDropRate;
  n.wasReachable = reachable;
  return n;
}

test("advertSends: ADVERT_SENDS on clean links, more as the worst direct neighbour's loss grows, at most ADVERT_SENDS_MAX", () => {
  assert.is(advertSends([]), ADVERT_SENDS, "no neighbours");
  assert.is(advertSends([neighbour("A", 0), neighbour("B", 0.002)]), ADVERT_SENDS, "clean");
  // A clean link's first packets read as ~12% (rxLoss 0.06); its ACK masks as 60-70% (not used).
  assert.is(advertSends([neighbour("A", 0.06, 11)]), ADVERT_SENDS, "start-up artefacts stay clean");
  // 33% loss reads rxLoss ~0.19 (a mean of missed/(missed+1)): 0.38^10 < 1/10000.
  assert.is(advertSends([neighbour("A", 0), neighbour("B", 0.19)]), 10, "33% loss");
  assert.is(advertSends([neighbour("A", 0.1)]), 6, "20% loss: 0.2^6 < 1/10000");
  assert.is(advertSends([neighbour("A", 0.45)]), ADVERT_SENDS_MAX, "capped");
  assert.is(advertSends([neighbour("A", 0.6)]), ADVERT_SENDS_MAX, "loss reads above 100%");
  assert.is(advertSends([neighbour("A", 0.19, 0, false)]), ADVERT_SENDS, "a neighbour that is not direct does not count");
});

/** When a changed route's record goes out, polling every 10 ms for 10 s. */
function sendTimes(sends: number): number[] {
  const nb = neighbour("B", 0);
  const r: Route = {
    hex: "B", sid: sidOf("B"), reachable: REACHABLE_UNICAST, nextHop: nb, hops: 1, dropRate: 0, priorHex: "SELF", version: 1,
    changedAt: 0, lostAt: 0, advertOwed: 0, advertSentAt: LONG_AGO, advertGap: 0, silent: false,
  };
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

test.run();
