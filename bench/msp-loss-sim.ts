// MSP goodput and resends in the two-endpoint simulator over several seeds,
// for the two things loss detection must tell apart: end-to-end loss (a 10
// Mbit/s, 25 ms path with a 100 ms drop-tail queue, 1/5/10% loss each way, no
// per-hop ARQ below MSP) and packets merely late (what per-hop retransmission
// does: 10% of packets 150 ms late on a 20 ms path, and 30% 15 ms late, no
// loss). Each case runs with our receiver (selective-ack hints) and, as the
// baseline in the same run, with the hints stripped from its acks (the sender
// then runs the Serval-style paths: duplicate acks, NewReno); prints the mean
// and worst goodput, resends per data packet sent, timeouts and the
// receiver's acks, and the hinted / hintless goodput ratio.
// Run: node demo/run.mjs bench/msp-loss-sim.ts   (MSP_LOSS_SEEDS=n, default 5)
import { MspTransmit } from "../src/msp/endpoint";
import { LinkOptions, MspSim, StreamApp, closedBoth, randomBytes } from "../test/helpers/msp-sim";

const seeds = Number(process.env.MSP_LOSS_SEEDS ?? 5);
const CASES: [string, LinkOptions][] = [
  ["1% loss", { delayMs: 25, loss: 0.01, rateBps: 10e6, overhead: 120, queueMs: 100 }],
  ["5% loss", { delayMs: 25, loss: 0.05, rateBps: 10e6, overhead: 120, queueMs: 100 }],
  ["10% loss", { delayMs: 25, loss: 0.1, rateBps: 10e6, overhead: 120, queueMs: 100 }],
  ["10% 150 ms late", { delayMs: 20, rateBps: 10e6, overhead: 60, late: 0.1, lateMs: 150 }],
  ["30% 15 ms late", { delayMs: 20, rateBps: 10e6, overhead: 60, late: 0.3, lateMs: 15 }],
];

interface Result { mbit: number; resent: number; sent: number; timeouts: number; acks: number }

function run(link: LinkOptions, seed: number, hintless: boolean): Result {
  const data = randomBytes(2 << 20, 50);
  const sim = new MspSim(1000 * seed + 7, link);
  if (hintless) {
    // An ack with a hint is 4 bytes; its first 3 are the plain ack.
    const ep = sim.b.ep;
    const poll = ep.pollTransmit.bind(ep);
    ep.pollTransmit = (now: number): MspTransmit | undefined => {
      const t = poll(now);
      return t && t.payload.length === 4 ? { ...t, payload: t.payload.subarray(0, 3) } : t;
    };
  }
  let rx: StreamApp | undefined;
  sim.onAccept = (_n, s) => (rx = new StreamApp(s, new Uint8Array(0), true));
  sim.b.ep.listen({ sid: sim.b.sid, port: 512 });
  const c = sim.connect(sim.a, 257, 512, data);
  const t0 = sim.now;
  const done = closedBoth(sim, c);
  if (!sim.run(() => rx?.received === data.length || done(), 600_000)) throw new Error(`seed ${seed}: transfer did not finish`);
  const st = c.stream.conn.stats;
  return { mbit: (data.length * 8) / (sim.now - t0) / 1000, resent: st.retransmits, sent: st.dataSent, timeouts: st.timeouts, acks: rx?.stream.conn.stats.acksSent ?? 0 };
}

function summary(rs: Result[]): string {
  const mean = rs.reduce((a, r) => a + r.mbit, 0) / rs.length;
  const worst = Math.min(...rs.map((r) => r.mbit));
  const resent = rs.reduce((a, r) => a + r.resent, 0);
  const sent = rs.reduce((a, r) => a + r.sent, 0);
  const to = rs.reduce((a, r) => a + r.timeouts, 0);
  const acks = rs.reduce((a, r) => a + r.acks, 0);
  return `${mean.toFixed(2)} (worst ${worst.toFixed(2)}) Mbit/s, resent ${((100 * resent) / sent).toFixed(1)}%, timeouts ${to}, acks ${acks}`;
}

console.log(`msp-loss-sim: 2 MiB one way, ${seeds} seeds per case`);
console.log("| case | hints (ours) | hintless baseline | goodput ratio |");
console.log("|---|---|---|---:|");
for (const [name, link] of CASES) {
  const ours: Result[] = [];
  const base: Result[] = [];
  for (let s = 1; s <= seeds; s++) {
    ours.push(run(link, s, false));
    base.push(run(link, s, true));
  }
  const ratio = ours.reduce((a, r) => a + r.mbit, 0) / base.reduce((a, r) => a + r.mbit, 0);
  console.log(`| ${name} | ${summary(ours)} | ${summary(base)} | ${ratio.toFixed(2)} |`);
}
