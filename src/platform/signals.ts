// Signals delivered into the event loop through a signalfd made by the shim
// (SIGTERM, SIGINT, SIGHUP are blocked; SIGPIPE ignored). os.signal is not
// used: a signal caught while poll() waits ends the loop (quickjs-ng #614).
import * as native from "serval:native";
import { watchRead } from "./loop";

export type SignalName = "SIGTERM" | "SIGINT" | "SIGHUP";
type Handler = (name: SignalName) => void;

const handlers: Handler[] = [];
let fd = -1;

function nameOf(signo: number): SignalName | null {
  if (signo === native.SIGTERM) return "SIGTERM";
  if (signo === native.SIGINT) return "SIGINT";
  if (signo === native.SIGHUP) return "SIGHUP";
  return null;
}

/** Registers fn for SIGTERM/SIGINT/SIGHUP; returns a function removing it. */
export function onSignal(fn: Handler): () => void {
  if (fd < 0) {
    fd = native.signalOpen();
    watchRead(fd, () => {
      for (let s = native.signalRead(fd); s !== 0; s = native.signalRead(fd)) {
        const name = nameOf(s);
        if (name) for (const h of handlers.slice()) h(name);
      }
    }, "signal");
  }
  handlers.push(fn);
  return () => {
    const i = handlers.indexOf(fn);
    if (i >= 0) handlers.splice(i, 1);
  };
}

/** Stops watching the signalfd so the loop can end (signals stay blocked). */
export function closeSignals(): void {
  handlers.length = 0;
  if (fd >= 0) {
    watchRead(fd, null);
    native.close(fd);
    fd = -1;
  }
}
