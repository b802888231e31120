// Lab self-test: tbf rate cap, NFQUEUE delay, and their composition with each other and with loss.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Lab, udpProbe, type Link } from "../lab/index";

let lab: Lab;
let link: Link;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

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
  const t = await lab.tcpTransfer("a", "b", 2 << 20);
  assert.ok(t.sha256Match);
  assert.ok(t.goodputMbit >= 8 && t.goodputMbit <= 10.5, `goodput ${t.goodputMbit.toFixed(2)} Mbit/s`);
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
  const p = await lab.ping("a", link.ipB, { count: 20, intervalMs: 20 });
  assert.is(p.received, 20);
  assert.ok(Math.min(...p.rttsMs) >= 19.8, `min rtt ${Math.min(...p.rttsMs)}`);
  assert.ok(median(p.rttsMs) <= 24, `median rtt ${median(p.rttsMs)}`);
});

test("delay: per direction (a->b 30 ms, b->a 0) adds up to a 30 ms RTT", async () => {
  await lab.shape(link, { aToB: { delayMs: 30 } });
  const p = await lab.ping("b", link.ipA, { count: 10, intervalMs: 20 });
  assert.ok(Math.min(...p.rttsMs) >= 29.8 && median(p.rttsMs) <= 34, p.rttsMs.join(" "));
});

test("delay + rate: 5 ms and 10 Mbit/s together, TCP still 7-10.5 Mbit/s and RTT about 10 ms", async () => {
  await lab.shape(link, { rateMbit: 10, delayMs: 5 });
  const p = await lab.ping("a", link.ipB, { count: 10, intervalMs: 20 });
  assert.ok(Math.min(...p.rttsMs) >= 9.8 && median(p.rttsMs) <= 14, p.rttsMs.join(" "));
  const t = await lab.tcpTransfer("a", "b", 2 << 20);
  assert.ok(t.sha256Match);
  assert.ok(t.goodputMbit >= 7 && t.goodputMbit <= 10.5, `goodput ${t.goodputMbit.toFixed(2)} Mbit/s`);
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
