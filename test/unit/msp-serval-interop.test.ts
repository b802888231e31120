// Our MSP endpoint against a behavioural model of Serval DNA's MSP (both
// directions), with loss, jitter and duplication, in virtual time.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { MspEndpoint, MspStream } from "../../src/msp/endpoint";
import { ServalModelStream } from "../helpers/msp-serval-model";
import { randomBytes, sid } from "../helpers/msp-sim";
import { prng } from "../helpers/prng";
import { MSP_FLAG_FIRST } from "../../src/wire/msp-packet";

interface Q { at: number; n: number; toModel: boolean; payload: Uint8Array }

/** A = our endpoint (sid aa), B = Serval model (sid bb). */
function run(opts: { seed: number; loss: number; jitter: number; dup?: number; weConnect: boolean; ours: Uint8Array; theirs: Uint8Array; maxMs?: number }) {
  const r = prng(opts.seed);
  const ep = new MspEndpoint();
  const A = { sid: sid(0xaa), port: opts.weConnect ? 257 : 512 };
  const B = { sid: sid(0xbb), port: opts.weConnect ? 512 : 258 };
  let model: ServalModelStream | undefined;
  let stream: MspStream | undefined;
  const got: Uint8Array[] = [];
  let gotLen = 0, written = 0, shut = false;
  const events: string[] = [];
  let now = 0, n = 0;
  const q: Q[] = [];
  const send = (toModel: boolean, payload: Uint8Array) => {
    if (r() < opts.loss) return;
    const copies = opts.dup && r() < opts.dup ? 2 : 1;
    for (let i = 0; i < copies; i++) q.push({ at: now + 10 + r() * opts.jitter, n: n++, toModel, payload });
  };
  if (opts.weConnect) {
    stream = ep.connect(now, A, B);
  } else {
    ep.listen(A);
    model = new ServalModelStream(now, true, opts.theirs);
  }
  const pump = () => {
    if (!stream) stream = ep.pollAccept();
    if (stream) {
      const c = stream.conn;
      for (let e = c.pollEvent(); e; e = c.pollEvent()) events.push(e);
      for (let b = c.read(); b; b = c.read()) { got.push(b.slice()); gotLen += b.length; c.consume(b.length, now); }
      if (written < opts.ours.length) written += c.write(opts.ours.subarray(written));
      if (!shut && written >= opts.ours.length && c.isOpen) { shut = true; c.shutdown(now); }
      for (let e = c.pollEvent(); e; e = c.pollEvent()) events.push(e);
    }
    for (let t = ep.pollTransmit(now); t; t = ep.pollTransmit(now)) {
      if (!model && t.payload[0] & MSP_FLAG_FIRST) model = new ServalModelStream(now, false, opts.theirs);
      send(true, t.payload);
    }
    if (model) for (const p of model.process(now)) send(false, p);
  };
  const end = opts.maxMs ?? 300000;
  for (let guard = 0; guard < 5_000_000; guard++) {
    pump();
    if (model?.closed && stream && !stream.conn.isOpen) break;
    let next = Math.min(...q.map((x) => x.at), ep.pollTimeout() ?? Infinity, model?.nextAction() ?? Infinity);
    if (next > end || next === Infinity) break;
    now = Math.max(now, next);
    const due = q.filter((x) => x.at <= now).sort((a, b) => a.at - b.at || a.n - b.n);
    for (const d of due) q.splice(q.indexOf(d), 1);
    for (const d of due) {
      if (d.toModel) model?.handle(now, d.payload);
      else ep.handleDatagram(now, A, B, d.payload);
    }
    ep.handleTimeout(now);
  }
  const ours = new Uint8Array(gotLen);
  let k = 0;
  for (const c of got) { ours.set(c, k); k += c.length; }
  return { now, model: model as ServalModelStream, stream: stream as MspStream, events, received: ours };
}

for (const weConnect of [true, false]) {
  const who = weConnect ? "our connect -> Serval listen" : "Serval connect -> our listen";
  test(`${who}: hello both ways, graceful on both ends`, () => {
    const ours = Uint8Array.of(1, 2, 3), theirs = Uint8Array.of(4, 5);
    const res = run({ seed: 1, loss: 0, jitter: 0, weConnect, ours, theirs });
    assert.equal(Array.from(res.received), [4, 5]);
    assert.equal(Array.from(res.model.bytes()), [1, 2, 3]);
    assert.ok(res.model.closed && !res.model.stopped && !res.model.timedOut);
    assert.ok(res.events.includes("closed-gracefully"), String(res.events));
  });

  test(`${who}: 256 KiB up and 64 KiB down with 5% loss, jitter, duplicates`, () => {
    const ours = randomBytes(256 << 10, 2), theirs = randomBytes(64 << 10, 3);
    const res = run({ seed: weConnect ? 5 : 6, loss: 0.05, jitter: 20, dup: 0.02, weConnect, ours, theirs, maxMs: 600000 });
    assert.equal(res.model.bytes(), ours);
    assert.equal(res.received, theirs);
    assert.ok(res.model.closed && !res.model.stopped && !res.model.timedOut, `model stopped=${res.model.stopped} timedOut=${res.model.timedOut}`);
    assert.ok(res.events.includes("closed-gracefully"), String(res.events));
    assert.not.ok(res.events.includes("timed-out"));
  });

  test(`${who}: we send nothing, Serval sends 64 KiB (ack-driven, window 4)`, () => {
    const theirs = randomBytes(64 << 10, 4);
    const res = run({ seed: 7, loss: 0, jitter: 0, weConnect, ours: new Uint8Array(0), theirs });
    assert.equal(res.received, theirs);
    assert.ok(res.model.closed && !res.model.stopped);
    assert.ok(res.now < 3000, `took ${res.now} ms`);
  });
}

test.run();
