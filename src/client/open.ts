// Opens an MdpClient on the real platform: our own abstract socket
// `mdp.client.<pid>.<seq>.socket` in the run directory, talking to the
// daemon's `mdp.2.socket` there (see daemonSocketName).
import { MdpClient } from "./mdp-client.js";
import type { DgramTransport } from "./transport.js";
import type { Clock } from "../platform/deadline-timer.js";
import { abstractName, UnixDgram } from "../platform/unix.js";
import { clearTimer, setTimer, Timer } from "../platform/loop.js";
import { nowMs } from "../platform/clock.js";
import { pid } from "../platform/proc.js";

let seq = 0;

/** The daemon's client socket address for a run directory. The daemon binds
 * it as a filesystem socket, mode 0600, so only its owner can send to it. */
export function daemonSocketName(runPath: string): string {
  return `${runPath.replace(/\/+$/, "")}/mdp.2.socket`;
}

export const platformClock: Clock = {
  now: nowMs,
  setTimeout: (fn, ms) => setTimer(ms, fn, "mdp client timer"),
  clearTimeout: (h) => clearTimer(h as Timer),
};

function hex8(n: number): string {
  return ("0000000" + (n >>> 0).toString(16)).slice(-8);
}

/** Opens a client socket connected to the daemon's, and the MdpClient over it.
 * Connected, the kernel delivers datagrams from the daemon's socket only (any
 * local user can reach an abstract name), and sends fail (the client reports
 * "not running") once that daemon socket is gone, even after a new daemon has
 * bound the same path: a client outlives no daemon restart unnoticed. */
export function openMdpClient(runPath: string): MdpClient {
  const name = abstractName(`${runPath.replace(/\/+$/, "")}/mdp.client.${pid()}.${hex8(seq++)}.socket`);
  const daemon = daemonSocketName(runPath);
  const sock = UnixDgram.open(name);
  // 0, or why the daemon cannot be reached (-ENOENT, -ECONNREFUSED, -EACCES): the first send reports it.
  const connected = sock.connect(daemon);
  const transport: DgramTransport = {
    send: (_to, data, len) => (connected < 0 ? connected : sock.write(data, len)),
    // A view into the socket's reused receive buffer: MdpClient copies what it keeps.
    setReceiver: (cb) => sock.onMessage(cb),
    close: () => sock.close(),
  };
  return new MdpClient(transport, daemon, platformClock, daemon);
}
