#!/usr/bin/env node
// Test runner: bundles each uvu test file with esbuild (Node is only the test
// host), runs each in its own process, and prints one closing line
// "N passed, N failed". Usage: node test/run.mjs [--typecheck] [--filter RE] [file|dir ...]
// --typecheck runs `tsc --noEmit` first; a type error counts as one failure
// (the tests still run, so one broken file does not hide every result).
// A test file running longer than TEST_FILE_TIMEOUT_S (default 600) is killed
// and counted as a failure, so one hung file cannot eat the CI budget.
import { build } from "esbuild";
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";

const root = resolve(new URL("..", import.meta.url).pathname);
const args = process.argv.slice(2);
let filter = null;
let typecheck = false;
const targets = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--filter") filter = new RegExp(args[++i]);
  else if (args[i] === "--typecheck") typecheck = true;
  else targets.push(args[i]);
}
if (targets.length === 0) targets.push("test/unit", "test/integration");

function collect(p, out) {
  const abs = resolve(root, p);
  const st = statSync(abs, { throwIfNoEntry: false });
  if (!st) return;
  if (st.isDirectory()) {
    for (const e of readdirSync(abs).sort()) collect(join(abs, e), out);
  } else if (abs.endsWith(".test.ts")) out.push(abs);
}
const files = [];
for (const t of targets) collect(t, files);
const selected = files.filter((f) => !filter || filter.test(f));

const outDir = join(root, "out", "test");
mkdirSync(outDir, { recursive: true });

const fileTimeoutMs = Number(process.env.TEST_FILE_TIMEOUT_S || 600) * 1000;

function runOne(file) {
  return new Promise((res) => {
    const child = spawn(process.execPath, ["--enable-source-maps", file.out], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, FORCE_COLOR: "0", SERVAL_REPO: root },
    });
    let text = "";
    child.stdout.on("data", (d) => { text += d; process.stdout.write(d); });
    child.stderr.on("data", (d) => { text += d; process.stderr.write(d); });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 5000).unref();
    }, fileTimeoutMs);
    child.on("close", (code) => { clearTimeout(timer); res({ code, text, timedOut }); });
  });
}

let passed = 0, failed = 0, skipped = 0;
if (typecheck) {
  console.log("# typecheck (tsc --noEmit)");
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const code = await new Promise((res) => {
    const c = spawn(process.execPath, [tsc, "--noEmit", "-p", root], { cwd: root, stdio: "inherit" });
    c.on("close", res);
  });
  if (code !== 0) {
    console.log("FAIL typecheck: tsc --noEmit reported errors");
    failed++;
  }
}
for (const src of selected) {
  const rel = relative(root, src);
  const out = join(outDir, rel.replace(/[\/]/g, "__").replace(/\.ts$/, ".mjs"));
  try {
    await build({
      entryPoints: [src], outfile: out, bundle: true, platform: "node",
      format: "esm", target: "node20", sourcemap: "inline", logLevel: "error",
      external: ["esbuild"],
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
  } catch (e) {
    console.log(`FAIL ${rel}: does not build`);
    failed++;
    continue;
  }
  console.log(`\n# ${rel}`);
  const { code, text, timedOut } = await runOne({ out });
  if (timedOut) {
    console.log(`FAIL ${rel}: killed after ${fileTimeoutMs / 1000} s`);
    failed++;
    continue;
  }
  const total = Number(/Total:\s+(\d+)/.exec(text)?.[1] ?? NaN);
  const pass = Number(/Passed:\s+(\d+)/.exec(text)?.[1] ?? NaN);
  const skip = Number(/Skipped:\s+(\d+)/.exec(text)?.[1] ?? 0);
  if (Number.isNaN(total) || Number.isNaN(pass)) {
    console.log(`FAIL ${rel}: exited ${code} without a uvu summary`);
    failed++;
    continue;
  }
  passed += pass;
  skipped += skip;
  failed += total - pass - skip;
  if (code !== 0 && total === pass + skip) { console.log(`FAIL ${rel}: exit code ${code}`); failed++; }
}
if (selected.length === 0) { console.log("no test files found"); failed++; }
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed === 0 && skipped === 0 ? 0 : 1);
