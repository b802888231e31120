// Issue 13: an msp process's client socket (an abstract Unix name anyone in
// the network namespace can address) accepts datagrams from the daemon's
// socket only. The socket is connected to the daemon's, so the kernel refuses
// every other sender (EPERM), including one that binds the daemon's very path
// in a private mount namespace: a check of the sender's name alone would take
// that for the daemon. The MdpClient also drops and counts any datagram whose
// sender name is not the daemon's (test/unit/daemon-mdp-client.test.ts).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Lab, LabProcess } from "../lab/index";
import { Mesh, SERVALD, sleep } from "./mdp-helpers";

let lab: Lab;
let mesh: Mesh;
let ls: LabProcess;

test.before(async () => {
  assert.ok(existsSync(SERVALD), `${SERVALD} missing: run make servald`);
  lab = await Lab.create({ family: "svsnd" });
  mesh = new Mesh(lab);
  await lab.node("n0");
  await mesh.start("n0");
  ls = lab.spawn("n0", SERVALD, ["msp", "listen", "--forward=7301", "812"], { env: mesh.env("n0") });
  await sleep(1500);
});

test.after(async () => {
  await mesh?.cleanup();
  await lab?.cleanup();
});

/** Abstract names (without the leading NUL) of the msp process's client sockets, from the namespace's /proc/net/unix. */
async function clientNames(): Promise<string[]> {
  const r = await lab.exec("n0", "cat", ["/proc/net/unix"]);
  return [...r.stdout.matchAll(/@(\S*mdp\.client\.(\d+)\.\S+\.socket)$/gm)].filter((m) => Number(m[2]) === ls.pid).map((m) => m[1]!);
}

// Sends 400 MDP-shaped datagrams to the abstract name in argv[2] from a socket bound
// to argv[3] ("" = unbound); prints {sent, errors: {errno: count}}.
const ATTACK = String.raw`
import errno, json, os, socket, sys
target = b"\0" + sys.argv[2].encode()
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
if sys.argv[3]:
    s.bind(sys.argv[3])
msg = bytes(32) + (512).to_bytes(4, sys.byteorder) + bytes(32) + (9).to_bytes(4, sys.byteorder) + bytes(4) + b"\x41"
sent, errors = 0, {}
for i in range(400):
    try:
        s.sendto(msg, target); sent += 1
    except OSError as e:
        k = errno.errorcode.get(e.errno, str(e.errno)); errors[k] = errors.get(k, 0) + 1
print(json.dumps({"sent": sent, "errors": errors}))
`;

async function attack(name: string, bindPath: string, privateRunDir?: string): Promise<{ sent: number; errors: Record<string, number> }> {
  const script = join(mesh.base, "attack.py");
  await lab.exec("n0", "sh", ["-c", `cat > '${script}'`], { input: ATTACK });
  const py = `python3 '${script}' x '${name}' '${bindPath}'`;
  // A private mount namespace with an empty run directory: bind the daemon's own path there.
  const cmd = privateRunDir ? ["unshare", "-m", "sh", "-c", `mount -t tmpfs none '${privateRunDir}' && ${py}`] : ["sh", "-c", py];
  const r = await lab.exec("n0", cmd[0]!, cmd.slice(1), { check: false });
  assert.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim()) as { sent: number; errors: Record<string, number> };
}

test("another local socket cannot send to the msp client socket, not even one bound at the daemon's path", async () => {
  const names = await clientNames();
  assert.ok(names.length >= 1, "the listener's client socket is visible");
  const run = mesh.env("n0").SERVAL_RUN_PATH!;
  const unbound = await attack(names[0]!, "");
  assert.equal(unbound, { sent: 0, errors: { EPERM: 400 } });
  const spoof = await attack(names[0]!, join(run, "mdp.2.socket"), run);
  assert.equal(spoof, { sent: 0, errors: { EPERM: 400 } });
  // The same sender reaches a socket that is not connected (the refusal is the connect, not the test).
  const control = lab.spawn("n0", "python3", ["-c", "import socket,time; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(b'\\0svsnd-control'); print('ok', flush=True); time.sleep(30)"]);
  await control.waitFor(/ok/, { stream: "stdout" });
  const open = await attack("svsnd-control", join(run, "mdp.2.socket"), run);
  assert.ok(open.sent > 0 && open.errors.EPERM === undefined, JSON.stringify(open)); // EAGAIN once its queue (10) is full
  await control.kill("SIGKILL", 100);
  assert.ok(ls.running, "msp listen still runs");
  assert.not.match(ls.stderr, /ignored a datagram|ERROR/);
});

test.run();
