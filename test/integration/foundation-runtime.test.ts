// Foundation: the real out/servald (quickjs-ng + C shim + bundle) in two
// network namespaces joined by a veth: UDP broadcast and a TCP stream through
// the shim, a burst of datagrams read in batches, clean SIGTERM while waiting
// on sockets, and an exception thrown in a socket callback that is logged
// without ending the process.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Lab, type Link } from "../lab/index";

const root = process.env.SERVAL_REPO ?? resolve(new URL("../..", import.meta.url).pathname);
const SERVALD = resolve(root, "out/servald");

let lab: Lab;
let link: Link;

test.before(async () => {
  assert.ok(existsSync(SERVALD), `${SERVALD} missing: run make servald`);
  lab = await Lab.create({ family: "svfnd" });
  ({ links: [link] } = (await lab.line(2)) as { nodes: string[]; links: [Link] });
});
test.after(async () => {
  await lab?.cleanup();
});

function startEcho(node: string, extra: string[] = []) {
  return lab.spawn(node, SERVALD, ["selftest", "echo", "--udp-port=4110", "--tcp-port=4111", ...extra]);
}

test("the shim lists the namespace's veth with its IPv4 address and broadcast", async () => {
  const r = await lab.exec("n0", SERVALD, ["selftest", "interfaces"]);
  const line = r.stdout.split("\n").find((l) => l.startsWith(`${link.ifA} `));
  assert.ok(line, r.stdout);
  assert.match(line!, new RegExp(`^${link.ifA} \\d+ ${link.ipA.replace(/\./g, "\\.")} 255\\.255\\.255\\.0 ${link.broadcast.replace(/\./g, "\\.")} up running$`));
});

test("two servald processes exchange a UDP broadcast and a 1 MB TCP stream across the veth", async () => {
  // UDP bound to 0.0.0.0 with SO_BINDTODEVICE on the veth, as the daemon does per interface
  const srv = startEcho("n1", [`--addr=${link.ipB}`, `--device=${link.ifB}`]);
  try {
    await srv.waitFor(/INFO: selftest echo ready udp=4110 tcp=4111/, { stream: "stderr" });
    const u = await lab.exec("n0", SERVALD, ["selftest", "udp-send", `--to=${link.broadcast}`, "--port=4110", "--msg=hello mesh", "--broadcast"], { timeoutMs: 10_000 });
    assert.is(u.stdout, `reply from ${link.ipB}:4110: echo:hello mesh\n`);
    const t = await lab.exec("n0", SERVALD, ["selftest", "tcp-send", `--to=${link.ipB}`, "--port=4111", `--bytes=${1 << 20}`], { timeoutMs: 20_000 });
    assert.is(t.stdout, `tcp ok ${1 << 20} bytes\n`);
    assert.ok(srv.running, "echo server still running");
  } finally {
    await srv.kill();
  }
});

test("SIGTERM stops servald cleanly while it waits on sockets: exit 0 and a log line", async () => {
  const srv = startEcho("n1");
  await srv.waitFor(/echo ready/, { stream: "stderr" });
  await new Promise((r) => setTimeout(r, 200)); // let it sit in poll()
  const t0 = Date.now();
  const st = await srv.kill("SIGTERM", 3000);
  assert.equal(st, { code: 0, signal: null }, srv.stderr);
  assert.ok(Date.now() - t0 < 2000, "stopped promptly");
  assert.match(srv.stderr, /^INFO: selftest: stopping on SIGTERM$/m);
  assert.not.match(srv.stderr, /ERROR/);
});

test("an exception thrown in a socket callback is logged and the process keeps serving", async () => {
  const srv = startEcho("n1", ["--throw-on=boom"]);
  try {
    await srv.waitFor(/echo ready/, { stream: "stderr" });
    const bad = await lab.exec("n0", SERVALD, ["selftest", "udp-send", `--to=${link.ipB}`, "--port=4110", "--msg=boom", "--timeout-ms=500"], { check: false });
    assert.is(bad.code, 1);
    await srv.waitFor(/^ERROR: udp 4110: thrown on purpose for 'boom'$/m, { stream: "stderr" });
    const good = await lab.exec("n0", SERVALD, ["selftest", "udp-send", `--to=${link.ipB}`, "--port=4110", "--msg=still there?"]);
    assert.is(good.stdout, `reply from ${link.ipB}:4110: echo:still there?\n`);
    const t = await lab.exec("n0", SERVALD, ["selftest", "tcp-send", `--to=${link.ipB}`, "--port=4111", "--bytes=5000"]);
    assert.is(t.stdout, "tcp ok 5000 bytes\n");
    assert.ok(srv.running);
  } finally {
    await srv.kill();
  }
});

test("a burst of UDP datagrams read in batches: every one answered in order, a 60 000-byte one whole, one that throws does not lose the rest", async () => {
  const srv = startEcho("n1", ["--throw-on=boom"]);
  try {
    await srv.waitFor(/echo ready/, { stream: "stderr" });
    // The echo server is stopped while 41 datagrams queue up on its socket (more than one
    // batch of udpRecvMany), so it finds them all waiting when it runs again.
    process.kill(srv.pid, "SIGSTOP");
    const sender = `
import socket, sys
msgs = ["m%d" % i for i in range(40)]
msgs.insert(10, "boom")
msgs.insert(20, "B" * 60000)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
for m in msgs: s.sendto(m.encode(), ("${link.ipB}", 4110))
print("sent", flush=True)
s.settimeout(5)
for _ in range(len(msgs) - 1):
    d = s.recv(65536)
    print(len(d), d[:8].decode())
`;
    const run = lab.exec("n0", "python3", ["-c", sender], { timeoutMs: 15_000 });
    await new Promise((r) => setTimeout(r, 500));
    process.kill(srv.pid, "SIGCONT");
    const r = await run;
    const expected = ["sent"];
    for (let i = 0; i < 40; i++) {
      if (i === 19) expected.push("60005 echo:BBB");
      const m = `m${i}`;
      expected.push(`${5 + m.length} echo:${m}`);
    }
    assert.equal(r.stdout.trim().split("\n"), expected);
    await srv.waitFor(/^ERROR: udp 4110: thrown on purpose for 'boom'$/m, { stream: "stderr" });
    assert.ok(srv.running);
  } finally {
    try { process.kill(srv.pid, "SIGCONT"); } catch { /* gone */ }
    await srv.kill();
  }
});

test("a TCP connect to a closed port reports the errno text, no stack trace", () => {
  const r = spawnSync(SERVALD, ["selftest", "tcp-send", "--to=127.0.0.1", "--port=1", "--bytes=10"], { encoding: "utf8" });
  assert.is(r.status, 1);
  assert.is(r.stderr, "ERROR: selftest tcp-send: connect: Connection refused\n");
});

test("Unix datagram sockets: abstract name, and a filesystem path created owner-only and removed on exit", async () => {
  for (const name of [`@svfnd-${process.pid}`, join(tmpdir(), `svfnd-${process.pid}.sock`)]) {
    const srv = lab.spawn("n0", SERVALD, ["selftest", "unix-echo", `--name=${name}`]);
    await srv.waitFor(/unix-echo ready/, { stream: "stderr" });
    if (!name.startsWith("@")) assert.is(statSync(name).mode & 0o777, 0o600);
    const r = await lab.exec("n0", SERVALD, ["selftest", "unix-send", `--to=${name}`, "--msg=local client"]);
    assert.is(r.stdout, "reply: echo:local client\n");
    assert.equal(await srv.kill("SIGTERM"), { code: 0, signal: null });
    if (!name.startsWith("@")) assert.not.ok(existsSync(name));
  }
});

test.run();
