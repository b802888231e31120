#!/usr/bin/env node
// Network fuzzer for the fault kit, run inside a lab namespace. First it
// captures the overlay broadcasts on the link (a socket bound to the link's
// broadcast address, so no unicast is taken from the daemon there), then for
// each seed it sends mutated copies of those captured packets (bytes flipped,
// truncated, spliced, lengthened, header bytes randomised) to the target's
// UDP port 4110. Prints "captured N" and finally one JSON line
// {captured, seeds, sent, errors, seconds}.
// With --seconds S it goes on with further seeds until S seconds have passed.
// usage: node udp-fuzz.mjs --bind BRD --target ADDR --seeds K --per-seed N [--seconds S] [--capture-ms 4000] [--first-seed 1]
import { createSocket } from "node:dgram";

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const bind = arg("bind");
const target = arg("target");
const seeds = Number(arg("seeds", "10"));
const perSeed = Number(arg("per-seed", "500"));
const captureMs = Number(arg("capture-ms", "4000"));
const firstSeed = Number(arg("first-seed", "1"));
const seconds = Number(arg("seconds", "0"));

/** mulberry32: a small seeded PRNG (the same seed gives the same packets). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(rnd, pool) {
  const src = pool[Math.floor(rnd() * pool.length)];
  let p = Buffer.from(src);
  const kind = Math.floor(rnd() * 6);
  if (kind === 0) p = p.subarray(0, 1 + Math.floor(rnd() * p.length)); // truncated
  else if (kind === 1) { // spliced with another capture
    const other = pool[Math.floor(rnd() * pool.length)];
    const cut = Math.floor(rnd() * p.length);
    p = Buffer.concat([p.subarray(0, cut), other.subarray(Math.floor(rnd() * other.length))]);
  } else if (kind === 2) { // lengthened with random bytes
    const extra = Buffer.alloc(1 + Math.floor(rnd() * 600));
    for (let i = 0; i < extra.length; i++) extra[i] = Math.floor(rnd() * 256);
    p = Buffer.concat([p, extra]);
  } else if (kind === 3) { // header bytes randomised
    for (let i = 0; i < Math.min(p.length, 8); i++) if (rnd() < 0.5) p[i] = Math.floor(rnd() * 256);
  }
  const flips = Math.floor(rnd() * 5);
  for (let k = 0; k < flips && p.length > 0; k++) p[Math.floor(rnd() * p.length)] = Math.floor(rnd() * 256);
  if (p.length > 1500) p = p.subarray(0, 1500);
  return p.length ? p : Buffer.from([0]);
}

const pool = [];
const sniff = createSocket({ type: "udp4", reuseAddr: true });
sniff.on("message", (m) => { if (pool.length < 2000) pool.push(Buffer.from(m)); });
await new Promise((res) => sniff.bind(4110, bind, res));
await new Promise((res) => setTimeout(res, captureMs));
sniff.close();
console.log(`captured ${pool.length}`);
if (pool.length === 0) {
  console.log(JSON.stringify({ captured: 0, seeds: 0, sent: 0, errors: 0, seconds: 0 }));
  process.exit(1);
}

const out = createSocket("udp4");
await new Promise((res) => out.bind(0, res));
const t0 = Date.now();
let sent = 0, errors = 0, done = 0;
for (let s = firstSeed; s < firstSeed + seeds || Date.now() - t0 < seconds * 1000; s++, done++) {
  const rnd = prng(s);
  for (let i = 0; i < perSeed; i++) {
    const p = mutate(rnd, pool);
    await new Promise((res) => out.send(p, 4110, target, (e) => { if (e) errors++; else sent++; res(); }));
    if (i % 50 === 49) await new Promise((res) => setImmediate(res));
  }
}
out.close();
console.log(JSON.stringify({ captured: pool.length, seeds: done, sent, errors, seconds: (Date.now() - t0) / 1000 }));
