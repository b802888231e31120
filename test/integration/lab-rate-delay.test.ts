// Lab self-test: tbf rate cap, NFQUEUE delay, and their composition with each other and with loss.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Lab, udpProbe, type Link } from "../lab/index";

let lab: Lab;
let link: Link;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** RTTs of `count` pings: never below 2 x delay (the delay is never cut short), typically just above it. */
async function assertRtt(from: string, to: string, expectMs: number, count: number): Promise<void> {
  const p = await lab.ping(from, to, { count, intervalMs: 20 });
  assert.is(p.received, count, p.output);
  const min = Math.min(...p.rttsMs);
  assert.ok(min >= expectMs - 0.2 && min <= expectMs + 1, `min rtt ${min}: ${p.rttsMs.join(" ")}`);
  assert.ok(median(p.rttsMs) <= expectMs + 4, `median rtt ${median(p.rttsMs)}: ${p.rttsMs.join(" ")}`);
}

/** Goodput of a 2 MiB kernel TCP transfer a -> b; the better of two runs (a loaded test machine can stall one), each capped. */
async function goodput(): Promise<number> {
  let best = 0;
  for (let i = 0; i < 2 && best < 8; i++) {
    const t = await lab.tcpTransfer("a", "b", 2 << 20);
    assert.ok(t.sha256Match);
    assert.ok(t.goodputMbit <= 10.5, `goodput ${t.goodputMbit.toFixed(2)} Mbit/s above the cap`);
    best = Math.max(best, t.goodputMbit);
  }
  return best;
}

test.before(async () => {
  lab = await Lab.create();
  await lab.node("a");
  await lab.node("b");
  link = await lab.link("a", "b");
});
test.after(async () => {
  await lab.cleanup();
});

test("this kernel has no netem (why the lab has its own delay helper)", async () => {
  const r = await lab.exec("a", "tc", ["qdisc", "add", "dev", link.ifA, "root", "netem", "delay", "10ms"], { check: false });
  assert.is.not(r.code, 0);
  assert.match(r.stderr, /unknown/i);
});

test("rate: 10 Mbit/s tbf caps kernel TCP goodput at 8-10.5 Mbit/s", async () => {
  await lab.shape(link, { rateMbit: 10 });
  const g = await goodput();
  assert.ok(g >= 8, `goodput ${g.toFixed(2)} Mbit/s`);
});

test("rate: a transfer that cannot finish in time reports how far it got", async () => {
  const t = await lab.tcpTransfer("a", "b", 16 << 20, { timeoutMs: 1000 });
  assert.ok(t.timedOut);
  assert.not.ok(t.sha256Match);
  // ~1 s at 10 Mbit/s (minus connection set-up), never the whole 16 MiB
  assert.ok(t.receivedBytes > 500_000 && t.receivedBytes < 1_400_000, `received ${t.receivedBytes}`);
});

test("delay: 10 ms each way gives a ping RTT of about 20 ms", async () => {
  await lab.shape(link, { delayMs: 10 });
  await assertRtt("a", link.ipB, 20, 20);
});

test("delay: per direction (a->b 30 ms, b->a 0) adds up to a 30 ms RTT", async () => {
  await lab.shape(link, { aToB: { delayMs: 30 } });
  await assertRtt("b", link.ipA, 30, 10);
});

test("delay + rate: 5 ms and 10 Mbit/s together, TCP still 8-10.5 Mbit/s and RTT about 10 ms", async () => {
  await lab.shape(link, { rateMbit: 10, delayMs: 5 });
  await assertRtt("a", link.ipB, 10, 10);
  const g = await goodput();
  assert.ok(g >= 8, `goodput ${g.toFixed(2)} Mbit/s`);
});

test("delay + loss: 20 ms and 20% together, UDP loss still 12-28% and sendto never fails", async () => {
  await lab.shape(link, { delayMs: 20, loss: 0.2 });
  const r = await udpProbe(lab, { from: "a", receiver: "b", to: link.ipB, count: 1000 });
  assert.is(r.sendErrors, 0);
  const lost = 1000 - r.received;
  assert.ok(lost >= 120 && lost <= 280, `lost ${lost}`);
});

test("delay: changing it under a running stream loses nothing", async () => {
  await lab.shape(link, { delayMs: 10 });
  const probe = udpProbe(lab, { from: "a", receiver: "b", to: link.ipB, count: 1000, burst: 1, graceMs: 300 });
  await new Promise((r) => setTimeout(r, 300));
  await lab.shape(link, { delayMs: 30 });
  await new Promise((r) => setTimeout(r, 300));
  await lab.shape(link, { delayMs: 0 });
  const r = await probe;
  assert.equal([r.sent, r.received], [1000, 1000]);
  const p = await lab.ping("a", link.ipB, { count: 5, intervalMs: 20 });
  assert.ok(median(p.rttsMs) < 3, p.rttsMs.join(" "));
});

test.run();
