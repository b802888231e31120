// Event-loop helpers over quickjs-libc's loop (level-triggered poll()).
// An exception escaping a timer or fd callback would end js_std_loop and the
// process, so every callback registered here runs inside guard().
import * as os from "qjs:os";
import * as std from "qjs:std";
import * as native from "serval:native";
import { SysError } from "./errors";
import { errorText, log } from "./log";

/** Runs fn, logging (not propagating) anything it throws. */
export function guard(where: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    log.error(`${where}: ${errorText(e)}`);
  }
}

/** Run fn once the current callback (and the jobs it queued) is done, guarded. */
export function afterCallback(where: string, fn: () => void): void {
  void Promise.resolve().then(() => guard(where, fn));
}

export interface Timer { cancelled: boolean; handle: os.TimerHandle | null }

/** Calls fn once after ms milliseconds (cancel with clearTimer). */
export function setTimer(ms: number, fn: () => void, where = "timer"): Timer {
  const t: Timer = { cancelled: false, handle: null };
  t.handle = os.setTimeout(() => {
    t.handle = null;
    if (t.cancelled) return;
    try {
      fn();
    } catch (e) {
      log.error(`${where}: ${errorText(e)}`);
    }
  }, Math.max(0, ms));
  return t;
}

export function clearTimer(t: Timer | null | undefined): void {
  if (!t || t.cancelled) return;
  t.cancelled = true;
  if (t.handle) os.clearTimeout(t.handle);
  t.handle = null;
}

/** Calls fn every ms milliseconds until the returned timer is cleared. */
export function setRepeat(ms: number, fn: () => void, where = "repeat"): Timer {
  const t: Timer = { cancelled: false, handle: null };
  const tick = (): void => {
    t.handle = null;
    if (t.cancelled) return;
    guard(where, fn);
    if (!t.cancelled) t.handle = os.setTimeout(tick, ms);
  };
  t.handle = os.setTimeout(tick, ms);
  return t;
}

/** Watches fd for readability (level-triggered); null stops watching. (The guard
 * is written out: this runs on every wakeup of a daemon, one call fewer.) */
export function watchRead(fd: number, fn: (() => void) | null, where = "read"): void {
  os.setReadHandler(fd, fn ? () => {
    try {
      fn();
    } catch (e) {
      log.error(`${where}: ${errorText(e)}`);
    }
  } : null);
}

/** Watches fd for writability (level-triggered); null stops watching. */
export function watchWrite(fd: number, fn: (() => void) | null, where = "write"): void {
  os.setWriteHandler(fd, fn ? () => guard(where, fn) : null);
}

/** Watches a non-blocking datagram socket: when readable, drains it with
 *  recv() (bytes received or -errno) and hands each datagram's length to
 *  deliver(), until EAGAIN or until stopped() (a handler closed the socket). */
export function watchDatagrams(fd: number, where: string, recv: () => number, deliver: (n: number) => void, stopped: () => boolean): void {
  watchRead(fd, () => {
    for (;;) {
      const n = recv();
      if (n < 0) {
        if (n === -native.EAGAIN || n === -native.EINTR) return;
        throw new SysError("recvfrom", -n);
      }
      deliver(n);
      if (stopped()) return;
    }
  }, where);
}

/** Ends the process now with the given status. */
export function exit(code: number): never {
  std.out.flush();
  return std.exit(code);
}
