// Router binaries doing the real job: two daemons built for OpenWrt MIPS, one
// big-endian (mips_24kc) and one little-endian (mipsel_24kc), each run under
// qemu-user on the routers' FPU-less 24Kc CPU model (the shipped soft-float
// builds; qemu's default MIPS CPU has an FPU) in its own network namespace
// joined by a veth; an MSP tunnel (`msp listen --forward` on one, `msp
// connect --forward` on the other) carries 1 MiB of TCP, byte-identical; then
// the same through tunnels the two daemons host (tunnels.N.*, no msp process).
// Needs root (namespaces). Both are the musl builds `make cross` ships: the
// big-endian one used to hang at its first interface scan under qemu-mips 7.2
// (a netlink reply it translates wrongly sent musl's getifaddrs() off the end
// of its buffer), which openwrt/patches/musl-netlink-bounds.patch mends.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync, spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const repo = resolve(process.env.SERVAL_REPO ?? process.cwd());
const scratch = mkdtempSync(join(tmpdir(), "h7-qemu-"));

// The mesh helpers run one SERVALD for every node: a wrapper picks the
// architecture from the node's instance directory (n0 big-endian MIPS).
const wrapper = join(scratch, "servald-qemu");
writeFileSync(
  wrapper,
  `#!/bin/sh
case "$SERVALINSTANCE_PATH" in
*/n0) exec qemu-mips-static -cpu 24Kc "${repo}/out/cross/mips/servald" "$@" ;;
*) exec qemu-mipsel-static -cpu 24Kc "${repo}/out/cross/mipsel/servald" "$@" ;;
esac
`,
);
chmodSync(wrapper, 0o755);
process.env.SERVALD_BIN = wrapper;

const { Lab } = await import("../lab/index");
const { Mesh, waitUntil } = await import("../integration/mdp-helpers");
const { setDaemonTunnels } = await import("../helpers/mesh");

const lab = await Lab.create({ family: "h7q" });
const mesh = new Mesh(lab);

/** 1 MiB from n1's TCP port `from` through a tunnel to a sink on n0's `to`, intact. */
async function transfer(to: number, from: number, what: string): Promise<void> {
  const t0 = Date.now();
  const res = await lab.streamTransfer({
    sink: { node: "n0", port: to, host: "127.0.0.1" },
    source: { node: "n1", host: "127.0.0.1", port: from },
    bytes: 1 << 20,
    timeoutMs: 240_000,
  });
  const seconds = (Date.now() - t0) / 1000;
  assert.not.ok(res.timedOut, `timed out after ${res.receivedTotal} bytes`);
  assert.is(res.receivedTotal, 1 << 20);
  assert.ok(res.allMatch, JSON.stringify(res.results));
  console.log(`  qemu -cpu 24Kc mips<->mipsel ${what}: 1 MiB in ${seconds.toFixed(1)} s (${res.goodputMbit.toFixed(2)} Mbit/s), sha256 identical`);
}

test("mips (BE) and mipsel daemons under qemu -cpu 24Kc (no FPU) carry 1 MiB through an MSP tunnel", async () => {
  execFileSync("sh", [join(repo, "test/openwrt/ensure-tools.sh"), "cross"], { stdio: "inherit" });
  for (const args of [["CROSS=mips"], ["CROSS=mipsel"]]) {
    const r = spawnSync("make", ["--no-print-directory", "cross", ...args], { cwd: repo, encoding: "utf8", timeout: 580_000 });
    assert.is(r.status, 0, r.stderr.slice(-3000));
  }
  await lab.line(2);
  const a = await mesh.start("n0");
  await mesh.start("n1");
  await waitUntil(async () => (await mesh.peers("n1")).includes(a.sid), 30_000, "n1 sees n0");

  const MDP_PORT = "4701";
  const listener = lab.spawn("n0", wrapper, ["msp", "listen", "--forward=7101", MDP_PORT], { env: mesh.env("n0") });
  const connector = lab.spawn("n1", wrapper, ["msp", "connect", "--forward=7102", a.sid, MDP_PORT], { env: mesh.env("n1") });
  // the connect side is ready once its TCP listener accepts
  await waitUntil(
    async () => (await lab.exec("n1", "sh", ["-c", "ss -ltn | grep -q ':7102 '"], { check: false })).code === 0,
    20_000,
    "msp connect listening on 7102",
  );
  await transfer(7101, 7102, "tunnel");
  await connector.kill("SIGTERM", 3000);
  await listener.kill("SIGTERM", 3000);
});

test("the same daemons under qemu -cpu 24Kc carry 1 MiB through tunnels they host (no msp process)", async () => {
  const sid0 = mesh.daemons.get("n0")!.sid;
  await setDaemonTunnels(mesh, "n0", [{ mode: "listen", mdp_port: "4702", tcp_port: "7111" }], /forwarding MDP port 4702/);
  await setDaemonTunnels(mesh, "n1", [{ mode: "connect", mdp_port: "4702", tcp_port: "7112", sid: sid0 }], /forwarding 127\.0\.0\.1:7112/);
  await transfer(7111, 7112, "daemon-hosted tunnel");
});

test.after(async () => {
  await mesh.cleanup();
  await lab.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

test.run();
