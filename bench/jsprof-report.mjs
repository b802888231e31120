#!/usr/bin/env node
// Folds the samples of a JS-profiler build (make servald JSPROF=1, run with
// SERVALD_JSPROF=PREFIX) into a table: per function, the share of samples
// where it is the running function (self) and where it is on the stack (total).
// Usage: node bench/jsprof-report.mjs PREFIX.PID [more files] [--top N] [--pos]
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
const topAt = args.indexOf("--top");
const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 40;
// --pos: keep each frame's bundle position (functions of the same name apart;
// the line:col is in out/jsprof/servald.js, which keeps names)
const positions = args.includes("--pos");
if (positions) args.splice(args.indexOf("--pos"), 1);
const self = new Map();
const total = new Map();
let samples = 0;
for (const file of args) {
  for (const block of readFileSync(file, "utf8").split(/\n\s*\n/)) {
    const frames = block.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("at "))
      .map((l) => l.slice(3).replace(/ \(servald\.js:(\d+:\d+)\)$/, positions ? " $1" : "").replace(/^<anonymous> \((.*)\)$/, "<anon $1>"));
    if (frames.length === 0) continue;
    samples++;
    self.set(frames[0], (self.get(frames[0]) ?? 0) + 1);
    for (const f of new Set(frames)) total.set(f, (total.get(f) ?? 0) + 1);
  }
}
const pct = (n) => ((100 * n) / samples).toFixed(1).padStart(5);
console.log(`${samples} samples (one per CPU-time tick: 1 ms, or the kernel's HZ if coarser)`);
console.log("  self  total  function");
const rows = [...total.keys()].sort((a, b) => (self.get(b) ?? 0) - (self.get(a) ?? 0)).slice(0, top);
for (const f of rows) console.log(`${pct(self.get(f) ?? 0)}% ${pct(total.get(f))}%  ${f}`);
console.log("\nby total:");
for (const f of [...total.keys()].sort((a, b) => total.get(b) - total.get(a)).slice(0, top)) {
  console.log(`${pct(self.get(f) ?? 0)}% ${pct(total.get(f))}%  ${f}`);
}
