#!/usr/bin/env node
// Bundles src/main.ts into ONE minified ES module for quickjs-ng:
// out/servald.js. qjs:* and serval:* stay external (provided by the binary).
// The build id (git short hash, "-dirty" when the work tree differs) and the
// package version are injected with `define`. The output is rewritten only
// when it changes, so make does not relink servald needlessly.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
const outfile = process.argv[2] ? resolve(process.argv[2]) : join(root, "out", "servald.js");
// --no-test-hooks: without the hidden `selftest` commands (test/integration
// drives them on the host build; the OpenWrt packages do not need them).
const noTestHooks = process.argv.includes("--no-test-hooks");
// --keep-names: minify but keep identifiers, for the JS profiler (make JSPROF=1).
const keepNames = process.argv.includes("--keep-names");

function git(...args) {
  try {
    return execFileSync("git", ["-C", root, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
}
const hash = git("rev-parse", "--short", "HEAD") || "unknown";
const dirty = git("status", "--porcelain", "--untracked-files=no", "--", "src", "build", "package.json") !== "";
const buildId = hash + (dirty ? "-dirty" : "");
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;

// tweetnacl falls back to require("crypto") when there is no WebCrypto; under
// quickjs there is neither, so that import resolves to an empty module (the
// crypto code supplies randomness from serval:native via nacl.setPRNG).
const emptyNodeBuiltins = {
  name: "empty-node-builtins",
  setup(b) {
    b.onResolve({ filter: /^crypto$/ }, () => ({ path: "crypto", namespace: "empty" }));
    b.onLoad({ filter: /.*/, namespace: "empty" }, () => ({ contents: "module.exports = {};", loader: "js" }));
  },
};

// The shipped bundle takes tweetnacl's API from the C shim's primitives
// (src/platform/tweetnacl-native.ts): 33 KB less bundle, same results; and
// the BigInt Ed25519 fallbacks by src/platform/ed25519-native.ts.
// SERVAL_BUNDLE_TWEETNACL=1 embeds tweetnacl-js instead (for the JS column of
// `servald selftest crypto` benches, BENCHMARKS.md "Crypto").
const nativeNacl = {
  name: "native-tweetnacl",
  setup(b) {
    b.onResolve({ filter: /^tweetnacl$/ }, () => ({ path: join(root, "src", "platform", "tweetnacl-native.ts") }));
    // Likewise our BigInt Ed25519 fallbacks (verify, pk -> X25519): the shim has both.
    b.onResolve({ filter: /\/ed25519-(verify|to-x25519)$/ }, () => ({ path: join(root, "src", "platform", "ed25519-native.ts") }));
  },
};
const withoutTestHooks = {
  name: "without-test-hooks",
  setup(b) {
    b.onResolve({ filter: /^\.\/selftest(-crypto)?$/ }, () => ({ path: "test-hooks", namespace: "empty" }));
  },
};
const plugins = process.env.SERVAL_BUNDLE_TWEETNACL === "1" ? [emptyNodeBuiltins] : [nativeNacl, emptyNodeBuiltins];
if (noTestHooks) plugins.unshift(withoutTestHooks);

const result = await build({
  entryPoints: [join(root, "src", "main.ts")],
  bundle: true,
  format: "esm",
  platform: "neutral",
  mainFields: ["module", "main"],
  plugins,
  target: "es2023",
  minifyWhitespace: true,
  minifySyntax: true,
  minifyIdentifiers: !keepNames,
  write: false,
  external: ["qjs:*", "serval:*"],
  define: {
    __SERVAL_BUILD_ID__: JSON.stringify(buildId),
    __SERVAL_VERSION__: JSON.stringify(version),
  },
  logLevel: "error",
  legalComments: "none",
});
const code = result.outputFiles[0].contents;
mkdirSync(dirname(outfile), { recursive: true });
if (!existsSync(outfile) || !Buffer.from(readFileSync(outfile)).equals(Buffer.from(code))) {
  writeFileSync(outfile, code);
}
console.log(`bundle: ${outfile} ${code.length} bytes, build ${buildId}`);
