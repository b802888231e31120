// Wire-trace hash of MSP: a check that a refactoring of src/msp changed no
// behaviour. 252 seeded two-endpoint MspSim transfers (150 KB one way, 20 KB
// back): 7 links (clean, 5% and 20% loss, 20% late packets, duplication, a
// 2 Mbit/s rate limit with drop-tail, asymmetric loss) x 12 seeds x 3 variants
// (default window; small window; the receiver's selective-ack hints stripped,
// so the sender runs the Serval-style paths: duplicate acks, NewReno partial
// acks, timeouts). Every payload is hashed with its time and sender, plus both
// sides' stats, events and byte counts; the last line prints the hash. Run it
// on the tree before and after a change: the hashes must be equal.
// Run: node demo/run.mjs bench/msp-trace-hash.ts   (MSP_TRACE_VERBOSE=1 prints seeds 1-2 of each link)
import { createHash } from "node:crypto";
import { MspEndpointOptions, MspTransmit } from "../src/msp/endpoint";
import { LinkOptions, MspSim, StreamApp, randomBytes } from "../test/helpers/msp-sim";

const LINKS: [string, LinkOptions, LinkOptions?][] = [
  ["clean", { delayMs: 10 }],
  ["loss5", { loss: 0.05, delayMs: 15, jitterMs: 3 }],
  ["loss20", { loss: 0.2, delayMs: 20, jitterMs: 5 }],
  ["late", { loss: 0.02, delayMs: 10, late: 0.2, lateMs: 30 }],
  ["dup", { loss: 0.05, delayMs: 8, dup: 0.1, jitterMs: 8 }],
  ["rate", { delayMs: 10, rateBps: 2_000_000, overhead: 60, queueMs: 50, loss: 0.03 }],
  ["asym", { loss: 0.1, delayMs: 5 }, { loss: 0.3, delayMs: 40, jitterMs: 20 }],
];
const VARIANTS: MspEndpointOptions[] = [{}, { connection: { maxWindow: 16, receiveWindow: 32 } }, {}];
const HINTLESS = 2; // the variant whose receiver acks like Serval DNA (no hints)
const verbose = process.env.MSP_TRACE_VERBOSE === "1";

const h = createHash("sha256");
let runs = 0;
for (const [name, ab, ba] of LINKS) for (let seed = 1; seed <= 12; seed++) {
  for (let v = 0; v < VARIANTS.length; v++) {
    const sim = new MspSim(seed, ab, ba ?? ab, VARIANTS[v]);
    sim.logEnabled = true;
    if (v === HINTLESS) {
      // An ack with a hint is 4 bytes; its first 3 are the plain ack.
      const ep = sim.b.ep;
      const poll = ep.pollTransmit.bind(ep);
      ep.pollTransmit = (now: number): MspTransmit | undefined => {
        const t = poll(now);
        return t && t.payload.length === 4 ? { ...t, payload: t.payload.subarray(0, 3) } : t;
      };
    }
    const data = randomBytes(150_000 + seed * 1000, seed);
    const back = randomBytes(20_000, seed + 100);
    let bApp: StreamApp | undefined;
    sim.onAccept = (_n, s) => (bApp = new StreamApp(s, back));
    sim.b.ep.listen({ sid: sim.b.sid, port: 7000 });
    const a = sim.connect(sim.a, 5000, 7000, data);
    const ok = sim.run(() => a.has("closed-gracefully") || a.has("closed-suddenly") || a.has("timed-out"), 600_000);
    sim.run(() => false, 20_000); // lingering, final acks
    for (const e of sim.log) { h.update(`${e.at}|${e.from}|`); h.update(e.payload); }
    const st = JSON.stringify([a.stream.conn.stats, bApp?.stream.conn.stats, a.events, bApp?.events, a.received, bApp?.received]);
    h.update(st);
    runs++;
    if (verbose && seed <= 2) console.log(name, ok, sim.log.length, sim.now.toFixed(3), st);
  }
}
console.log("runs", runs, "hash", h.digest("hex"));
