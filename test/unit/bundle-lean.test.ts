// The shipped bundle against what the OpenWrt builds leave out to stay small
// (BENCHMARKS.md "Packaging"): tweetnacl-js and our BigInt Ed25519 code are
// replaced by the shim's primitives (build/bundle.mjs), and the cross-built engine has no Unicode
// property/normalization tables (build/patches/quickjs-no-unicode-tables.patch),
// nor Array.fromAsync/Iterator.zip (build/patches/quickjs-no-bytecode-builtins.patch), nor Atomics,
// so the bundle must not use RegExp \p{...} escapes, String.normalize() or those;
// its quickjs-libc lacks the qjs:os / qjs:std functions servald never calls
// (build/patches/quickjs-libc-without-unused.patch), so the bundle must not call them;
// its Math object lacks the functions servald never calls
// (build/patches/quickjs-no-unused-math.patch), so the bundle must not call them;
// servald's context (src/native/main.c) has no Date, Proxy, WeakRef,
// FinalizationRegistry, atob/btoa nor performance, so the bundle must not use them;
// and it has no parser (-DQJS_DISABLE_PARSER: the bundle ships as bytecode), so no
// eval() and no Function constructor.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const repo = resolve(process.env.SERVAL_REPO ?? process.cwd());

function bundle(env: Record<string, string> = {}, flags: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), "h13-bundle-"));
  try {
    const out = join(dir, "servald.js");
    execFileSync("node", [join(repo, "build/bundle.mjs"), out, ...flags], { env: { ...process.env, ...env }, stdio: "pipe" });
    return readFileSync(out, "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const lean = bundle();

test("the shipped bundle has no tweetnacl-js; SERVAL_BUNDLE_TWEETNACL=1 brings it back", () => {
  // an error message only tweetnacl-js has
  assert.not.ok(lean.includes("bad secret key size"), "tweetnacl-js in the shipped bundle");
  assert.ok(lean.includes("nativeStandIn"), "the native stand-in is bundled");
  const full = bundle({ SERVAL_BUNDLE_TWEETNACL: "1" });
  assert.ok(full.includes("bad secret key size"), "tweetnacl-js with SERVAL_BUNDLE_TWEETNACL=1");
  assert.ok(full.length > lean.length + 20_000, `with tweetnacl ${full.length} bytes, without ${lean.length}`);
});

test("the shipped bundle has no BigInt Ed25519 fallbacks (the shim verifies and converts keys)", () => {
  // p = 2^255 - 19 is written as 2n ** 255n - 19n in src/crypto/ed25519-point.ts
  assert.not.match(lean, /\b255n\b/, "BigInt Ed25519 code in the shipped bundle");
  assert.ok(lean.includes("cryptoSidFromSignKey") && lean.includes("cryptoVerifyDetached"));
});

test("--no-test-hooks (the OpenWrt builds) leaves out the hidden selftest commands", () => {
  assert.ok(lean.includes("unix-echo"), "the host bundle has the selftest hooks");
  const openwrt = bundle({}, ["--no-test-hooks"]);
  assert.not.ok(openwrt.includes("unix-echo") || openwrt.includes("x25519base"), "selftest code in the OpenWrt bundle");
  assert.ok(openwrt.length < lean.length - 4000, `${openwrt.length} vs ${lean.length} bytes`);
});

test("the bundle uses no Unicode property escapes and no normalize() (absent from the OpenWrt engine)", () => {
  assert.not.match(lean, /\\[pP]\{/, "RegExp \\p{...} escape in the bundle");
  assert.not.match(lean, /\.normalize\(/, "String.prototype.normalize() in the bundle");
});

test("the bundle uses no Array.fromAsync / Iterator.zip (left out of the OpenWrt engine)", () => {
  assert.not.match(lean, /\bfromAsync\b/, "Array.fromAsync in the bundle");
  assert.not.match(lean, /\bzip(Keyed)?\(/, "Iterator.zip in the bundle");
});

test("the bundle uses no Atomics (left out of the OpenWrt engine: mk/cross.mk CROSS_ATOMICS)", () => {
  for (const code of [bundle({}, ["--no-test-hooks"]), lean]) assert.not.match(code, /\bAtomics\b/, "Atomics in the bundle");
});

test("the bundles compile no code at run time (the OpenWrt engine has no parser)", () => {
  for (const code of [bundle({}, ["--no-test-hooks"]), lean]) {
    assert.not.match(code, /(?<![\w$.])eval\s*\(/, "eval() in the bundle");
    assert.not.match(code, /(?<![\w$.])(new\s+)?(Async)?(Generator)?Function\s*\(/, "a Function constructor in the bundle");
  }
});

/** The qjs:std / qjs:os functions and FILE methods that -DSERVAL_LEAN_LIBC leaves out, read from the patch. */
function leanLibcDropped(): Record<"std" | "os" | "file", Set<string>> {
  const patch = readFileSync(join(repo, "build/patches/quickjs-libc-without-unused.patch"), "utf8").split("\n");
  const out = { std: new Set<string>(), os: new Set<string>(), file: new Set<string>() };
  let list: keyof typeof out | null = null;
  let guarded = false;
  for (const line of patch) {
    // the table's first line, or a hunk header naming it (diff -F cuts it short: "... js_os_")
    if (/JSCFunctionListEntry js_std(_funcs\[|$)/.test(line)) list = "std";
    else if (/JSCFunctionListEntry js_std_file_proto_funcs\[/.test(line)) list = "file";
    else if (/JSCFunctionListEntry js_os_(funcs\[|$)/.test(line)) list = "os";
    if (line === "+#ifndef SERVAL_LEAN_LIBC") guarded = true;
    else if (line === "+#endif") guarded = false;
    const m = /JS_CFUNC(?:_MAGIC)?_DEF\("(\w+)"/.exec(line);
    if (guarded && m && list) out[list].add(m[1]);
  }
  return out;
}

test("the OpenWrt bundles call no qjs:std / qjs:os function the lean quickjs-libc leaves out", () => {
  const dropped = leanLibcDropped();
  // the parse found the lists (names known to be dropped)
  assert.ok(dropped.std.has("popen") && dropped.os.has("exec") && dropped.file.has("printf"), JSON.stringify({ std: [...dropped.std], os: [...dropped.os], file: [...dropped.file] }));
  // the shipped one, and the one with the selftest hooks (native-crypto.test.ts runs it on the lean engine)
  for (const code of [bundle({}, ["--no-test-hooks"]), lean]) {
    const imports = [...code.matchAll(/import\s*\*\s*as\s*([\w$]+)\s*from\s*"qjs:(os|std)"/g)];
    assert.ok(imports.length >= 2, "namespace imports of qjs:os and qjs:std");
    const used: string[] = [];
    for (const [, name, mod] of imports) {
      const v = name.replace(/\$/g, "\\$");
      for (const [, member, method] of code.matchAll(new RegExp(`(?<![\\w$.])${v}\\.([\\w$]+)(?:\\.([\\w$]+))?`, "g"))) {
        used.push(`${mod}.${member}${method ? `.${method}` : ""}`);
        if (dropped[mod as "os" | "std"].has(member)) assert.unreachable(`the bundle calls ${mod}.${member}, which the OpenWrt engine leaves out`);
        if (mod === "std" && /^(in|out|err)$/.test(member) && method && dropped.file.has(method)) assert.unreachable(`the bundle calls std.${member}.${method}, which the OpenWrt engine leaves out`);
      }
    }
    assert.ok(used.includes("std.err.puts") && used.includes("os.setTimeout"), used.join(" "));
  }
});

test("the OpenWrt bundles call no Math function the lean engine leaves out", () => {
  const patch = readFileSync(join(repo, "build/patches/quickjs-no-unused-math.patch"), "utf8").split("\n");
  const dropped = new Set<string>();
  let guarded = false;
  for (const line of patch) {
    if (line === "+#ifndef SERVAL_NO_MATH_EXTRAS") guarded = true;
    else if (line === "+#endif") guarded = false;
    const m = /JS_CFUNC(?:_SPECIAL|_MAGIC)?_DEF\("(\w+)"/.exec(line);
    if (guarded && m) dropped.add(m[1]);
  }
  // the parse found the list (names known to be dropped), and kept what servald calls
  assert.ok(dropped.has("sin") && dropped.has("log2") && dropped.has("hypot") && dropped.has("sumPrecise"), [...dropped].join(" "));
  for (const kept of ["min", "max", "floor", "ceil", "round", "abs", "sqrt", "imul", "random", "trunc"]) assert.not.ok(dropped.has(kept), kept);
  for (const code of [bundle({}, ["--no-test-hooks"]), lean]) {
    const uses = [...code.matchAll(/(?<![\w$.])Math\b(\.([\w$]+))?/g)];
    assert.ok(uses.length > 10, "Math calls found");
    for (const [whole, , name] of uses) {
      // Math only as Math.name (no alias, no Math[...]), and never a dropped name
      assert.ok(name !== undefined, `the bundle uses ${whole} other than as Math.name`);
      if (dropped.has(name)) assert.unreachable(`the bundle calls Math.${name}, which the OpenWrt engine leaves out`);
    }
  }
});

test("the bundles use no intrinsic servald's context leaves out (src/native/main.c: JS_NewContextRaw)", () => {
  const main = readFileSync(join(repo, "src/native/main.c"), "utf8");
  assert.ok(main.includes("JS_NewContextRaw(rt)") && !main.includes("JS_AddIntrinsicDate"), "main.c builds its context without Date");
  for (const code of [bundle({}, ["--no-test-hooks"]), lean]) {
    const m = /(?<![\w$.])(Date|Proxy|WeakRef|FinalizationRegistry|atob|btoa|performance)\b/.exec(code);
    assert.ok(m === null, `the bundle uses ${m?.[0]} (${m ? code.slice(m.index - 40, m.index + 40) : ""})`);
  }
});

test.run();
