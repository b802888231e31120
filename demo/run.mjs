#!/usr/bin/env node
// Bundles a demo or benchmark script (TypeScript, Node host) with esbuild and runs it.
// Usage: node demo/run.mjs demo/tunnel-demo.ts   (SERVALD_BIN overrides out/servald)
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { basename, join, resolve } from "node:path";

const root = resolve(new URL("..", import.meta.url).pathname);
const src = resolve(root, process.argv[2] ?? "demo/tunnel-demo.ts");
const outDir = join(root, "out", "demo");
mkdirSync(outDir, { recursive: true });
const out = join(outDir, basename(src).replace(/\.ts$/, ".mjs"));
await build({
  entryPoints: [src], outfile: out, bundle: true, platform: "node", format: "esm", target: "node18",
  logLevel: "error", banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
const r = spawnSync(process.execPath, [out, ...process.argv.slice(3)], { stdio: "inherit", env: { ...process.env, SERVAL_REPO: root } });
process.exit(r.status ?? 1);
