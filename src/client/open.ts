// Opens an MdpClient on the real platform: our own abstract socket
// `mdp.client.<pid>.<seq>.socket` in the run directory, talking to the
// daemon's `mdp.2.socket` there (see daemonSocketName).
import { MdpClient } from "./mdp-client.js";
import type { ClientClock, DgramTransport } from "./transport.js";
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

export const platformClock: ClientClock = {
  now: nowMs,
  setTimeout: (fn, ms) => setTimer(ms, fn, "mdp client timer"),
  clearTimeout: (h) => clearTimer(h as Timer),
};

function hex8(n: number): string {
  return ("0000000" + (n >>> 0).toString(16)).slice(-8);
}

/** Opens a client socket and the MdpClient over it. */
export function openMdpClient(runPath: string): MdpClient {
  const name = abstractName(`${runPath.replace(/\/+$/, "")}/mdp.client.${pid()}.${hex8(seq++)}.socket`);
  const sock = UnixDgram.open(name);
  const transport: DgramTransport = {
    send: (to, data, len) => sock.send(data, to, len),
    // A view into the socket's reused receive buffer: MdpClient copies what it keeps.
    setReceiver: (cb) => sock.onMessage(cb),
    close: () => sock.close(),
  };
  const daemon = daemonSocketName(runPath);
  return new MdpClient(transport, daemon, platformClock, daemon);
}
