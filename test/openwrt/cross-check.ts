// Shared by test/unit/openwrt-cross-<target>.test.ts: builds the static
// servald for one OpenWrt target with `make cross` (mk/cross.mk: Debian cross
// gcc + musl), checks the ELF (machine, byte order, static; MIPS: soft-float
// and free of FPU instructions), runs it under qemu-user on the routers' own
// CPU model (MIPS 24Kc has no FPU), then packages it with `make ipk` and runs
// the binary taken out of the ipk. Sizes are printed for BENCHMARKS.md.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export interface CrossTarget {
  cross: string; // mk/cross.mk target
  ipkArch: string; // OpenWrt package architecture
  qemu: string | null; // qemu-user runner, null = runs natively
  cpu?: string; // qemu -cpu: the routers' core (24Kc: no FPU; cortex-a7)
  /** MIPS: binutils prefix for test/openwrt/soft-float-check.sh (FP ABI soft, no FPU instruction). */
  softFloat?: string;
  machine: number; // ELF e_machine
  bigEndian: boolean;
  elfClass: 1 | 2; // 32 / 64-bit
  /** Size budget of the ipk (the small MIPS routers' flash), if any. */
  ipkMaxBytes?: number;
}

const repo = resolve(process.env.SERVAL_REPO ?? process.cwd());
const version = (JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string }).version;

function make(args: string[], timeoutMs: number): string {
  const r = spawnSync("make", ["--no-print-directory", ...args], { cwd: repo, encoding: "utf8", timeout: timeoutMs });
  assert.is(r.status, 0, `make ${args.join(" ")}: ${r.error ?? ""}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  return r.stdout;
}

function run(t: CrossTarget, bin: string, args: string[]): string {
  const cmd = t.qemu ?? bin;
  const argv = t.qemu ? [...(t.cpu ? ["-cpu", t.cpu] : []), bin, ...args] : args;
  const r = spawnSync(cmd, argv, { encoding: "utf8", timeout: 60_000 });
  assert.is(r.status, 0, `${bin} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** Registers the tests; the test file calls test.run(). */
export function crossSuite(t: CrossTarget): void {
  const bin = join(repo, "out/cross", t.cross, "servald");
  const scratch = mkdtempSync(join(tmpdir(), `h7-cross-${t.cross}-`));

  test(`${t.cross}: static ELF for the target, runs under ${t.qemu ? `${t.qemu}${t.cpu ? ` -cpu ${t.cpu}` : ""}` : "the host"}`, () => {
    execFileSync("sh", [join(repo, "test/openwrt/ensure-tools.sh"), "cross"], { stdio: "inherit" });
    make(["cross", `CROSS=${t.cross}`], 580_000);
    const elf = readFileSync(bin);
    assert.equal([...elf.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], "ELF magic");
    assert.is(elf[4], t.elfClass, "ELF class");
    assert.is(elf[5], t.bigEndian ? 2 : 1, "byte order");
    const machine = t.bigEndian ? elf.readUInt16BE(18) : elf.readUInt16LE(18);
    assert.is(machine, t.machine, "e_machine");
    // No PT_INTERP (3) program header: statically linked.
    const is64 = t.elfClass === 2;
    const rd16 = (o: number) => (t.bigEndian ? elf.readUInt16BE(o) : elf.readUInt16LE(o));
    const rd32 = (o: number) => (t.bigEndian ? elf.readUInt32BE(o) : elf.readUInt32LE(o));
    const phoff = is64 ? Number(t.bigEndian ? elf.readBigUInt64BE(32) : elf.readBigUInt64LE(32)) : rd32(28);
    const phentsize = rd16(is64 ? 54 : 42);
    const phnum = rd16(is64 ? 56 : 44);
    const types = Array.from({ length: phnum }, (_, i) => rd32(phoff + i * phentsize));
    assert.ok(types.includes(1), "has PT_LOAD");
    assert.not.ok(types.includes(3), "no PT_INTERP: static");

    const out = run(t, bin, ["version"]);
    assert.match(out, new RegExp(`^servald ${version.replace(/\./g, "\\.")}\\n`));
    assert.match(out, /engine quickjs-ng 0\.17\.0/);
    console.log(`  size ${t.cross} servald: ${statSync(bin).size} bytes`);
  });

  if (t.softFloat) {
    const prefix = t.softFloat;
    test(`${t.cross}: soft-float (readelf -A), no FPU instruction in the unstripped link output`, () => {
      const r = spawnSync("sh", [join(repo, "test/openwrt/soft-float-check.sh"), prefix, `${bin}.unstripped`, bin], { encoding: "utf8" });
      assert.is(r.status, 0, `soft-float-check.sh: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /FP ABI: Soft float\n/);
      assert.match(r.stdout, /coprocessor-1 \(FPU\) instructions: 0\n/);
    });

    // mk/cross.mk CROSS_INTERP_MIPS32 (build/patches/quickjs-interp-inline.patch):
    // the engine is MIPS16e but its interpreter loop and hottest callees are
    // MIPS32 code, and GCC inlines nothing across the two modes, so they must
    // have their small helpers' MIPS32 copies inlined, not called.
    test(`${t.cross}: the interpreter loop and its hottest callees are MIPS32 code with their small helpers inlined, the rest MIPS16e`, () => {
      const unstripped = `${bin}.unstripped`;
      const syms = execFileSync(`${prefix}readelf`, ["-sW", unstripped], { encoding: "utf8", maxBuffer: 64 << 20 });
      const sym = (name: string) => syms.split("\n").find((l) => l.endsWith(` ${name}`)) ?? "";
      const hot = ["JS_CallInternal", "JS_GetPropertyInternal", "js_get_fast_array_element", "js_call_c_function"];
      for (const f of hot) {
        assert.ok(sym(f), `${f} in the symbol table`);
        assert.not.match(sym(f), /\[MIPS16\]/, sym(f));
      }
      assert.match(sym("JS_SetPropertyInternal2"), /\[MIPS16\]/, "the rest of the engine stays MIPS16e");
      // mk/cross.mk CROSS_NATIVE_MIPS32: the tunnel's per-byte crypto is MIPS32 too, the rest of ours MIPS16e
      for (const f of ["sc_secretbox", "sc_secretbox_open", "sc_poly1305", "sc_sha512_update"]) assert.not.match(sym(f), /\[MIPS16\]/, sym(f));
      assert.match(sym("sc_x25519"), /\[MIPS16\]/, "the per-handshake crypto stays MIPS16e");
      // MIPS32 code calls libc and libgcc through the GOT (lw t9,OFF(gp); jalr t9):
      // named here from _gp, the .got words and the symbol table.
      const addrOf = new Map<number, string>();
      for (const l of syms.split("\n")) {
        const m = /^\s*\d+:\s+([0-9a-f]+)\s+\d+\s+FUNC\s.*\s(\S+)$/.exec(l);
        if (m) addrOf.set(parseInt(m[1], 16) & ~1, m[2]);
      }
      const gp = parseInt((/^\s*\d+:\s+([0-9a-f]+)\s.*\s_gp$/m.exec(syms) ?? ["", "0"])[1], 16);
      assert.ok(gp > 0, "_gp in the symbol table");
      const gotDump = execFileSync(`${prefix}objdump`, ["-s", "-j", ".got", unstripped], { encoding: "utf8", maxBuffer: 64 << 20 });
      const gotWords = new Map<number, number>();
      for (const m of gotDump.matchAll(/^ ([0-9a-f]+) ((?:[0-9a-f]{8} ?){1,4})/gm)) {
        m[2].trim().split(" ").forEach((w, i) => {
          const b = Buffer.from(w, "hex");
          gotWords.set(parseInt(m[1], 16) + 4 * i, t.bigEndian ? b.readUInt32BE(0) : b.readUInt32LE(0));
        });
      }
      const calls: string[] = [];
      for (const f of hot) {
        const dis = execFileSync(`${prefix}objdump`, ["-d", `--disassemble=${f}`, unstripped], { encoding: "utf8", maxBuffer: 64 << 20 });
        calls.push(...[...dis.matchAll(/\sjalx?\s.*<([^>+]+)>/g)].map((m) => m[1].replace(/\..*$/, "")));
        for (const m of dis.matchAll(/\slw\s+t9,(-?\d+)\(gp\)/g)) {
          const target = gotWords.get(gp + Number(m[1]));
          calls.push(addrOf.get((target ?? 0) & ~1) ?? `GOT word ${target}`);
        }
      }
      assert.ok(calls.includes("js_free_value_rt"), `calls found in the disassembly (${calls.length})`);
      // GCC 12 expands no memcpy in a nomips16 function of a -mips16 file: the
      // bytecode operand reads must not call it (the patch uses packed loads).
      const memcpys = calls.filter((c) => c === "memcpy").length;
      assert.ok(calls.includes("__adddf3"), "calls through the GOT resolved (soft-float __adddf3 in the loop)");
      assert.ok(memcpys <= 1, `memcpy called ${memcpys} times by the MIPS32 functions (js_call_c_function copies its arguments once)`);
      const helpers = ["js_rc", "unsafe_unconst", "vc", "JS_IsException", "JS_IsUndefined", "JS_IsNull", "JS_IsObject", "JS_IsUninitialized",
        "js_int32", "js_bool", "js_uint32", "js_float64", "__JS_NewFloat64", "JS_VALUE_GET_FLOAT64", "js_arith_to_float64", "JS_FreeValue", "js_dup",
        "set_value", "get_u16", "get_u32", "get_i8", "get_i16", "find_own_property", "js_poll_interrupts", "is_strict_mode", "js_check_stack_overflow", "min_int"];
      const called = helpers.filter((h) => calls.includes(h));
      assert.equal(called, [], `the MIPS32 functions call these helpers instead of inlining them: ${called.join(" ")}`);
    });
  }

  // A daemon killed -9 leaves its socket file: sending to it fails with
  // ECONNREFUSED, which is 146 on MIPS (111 on x86/ARM). The client must know
  // it by the target's own number and say "not running", not "errno 146".
  test(`${t.cross}: a dead daemon's leftover socket reads as "not running" (the target's errno numbers)`, () => {
    const inst = join(scratch, "dead-daemon");
    mkdirSync(inst, { recursive: true });
    const sock = join(inst, "mdp.2.socket");
    execFileSync("python3", ["-c", "import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])", sock]);
    assert.ok(statSync(sock).isSocket(), "a socket file nobody listens on");
    const cmd = t.qemu ?? bin;
    const argv = t.qemu ? [...(t.cpu ? ["-cpu", t.cpu] : []), bin, "id", "peers"] : ["id", "peers"];
    const r = spawnSync(cmd, argv, { encoding: "utf8", timeout: 60_000, env: { ...process.env, SERVALINSTANCE_PATH: inst } });
    assert.is(r.status, 1, `rc ${r.status}: ${r.stderr}`);
    assert.match(r.stderr, /^servald: servald is not running/, r.stderr);
    assert.not.match(r.stderr, /errno/, r.stderr);
  });

  test(`${t.cross}: the ipk for ${t.ipkArch} carries that binary, which runs`, () => {
    const outDir = join(scratch, "ipk");
    make(["ipk", `ARCH=${t.ipkArch}`, `OWRT_OUT=${outDir}`], 580_000);
    const ipk = join(outDir, `serval-mesh_${version}-r1_${t.ipkArch}.ipk`);
    const root = join(scratch, "root");
    mkdirSync(root);
    execFileSync("sh", ["-c", `tar -xzOf '${ipk}' ./data.tar.gz | tar -xzf - -C '${root}'`]);
    const packaged = join(root, "usr/sbin/servald");
    assert.is(statSync(packaged).mode & 0o777, 0o755);
    const a = readFileSync(packaged).toString("base64");
    assert.ok(a === readFileSync(bin).toString("base64"), "ipk holds the cross-built binary");
    assert.match(run(t, packaged, ["version"]), /^servald /);
    const size = statSync(ipk).size;
    console.log(`  size ${t.ipkArch} ipk: ${size} bytes${t.ipkMaxBytes ? ` (budget ${t.ipkMaxBytes})` : ""}`);
    if (t.ipkMaxBytes) assert.ok(size <= t.ipkMaxBytes, `${t.ipkArch} ipk is ${size} bytes, over its ${t.ipkMaxBytes}-byte budget`);
  });

  test.after(() => rmSync(scratch, { recursive: true, force: true }));
}
