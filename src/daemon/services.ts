// Services the daemon runs (`servald start [foreground]`). Each service file
// calls registerDaemonService() at load and is imported by
// src/daemon/service-list.ts (one line per file). Services start in
// registration order and stop in reverse order.
import type { InstancePaths } from "./paths";
import type { log } from "../platform/log";
import type * as loop from "../platform/loop";

/** Event-loop helpers (src/platform/loop.ts) and the monotonic clock. */
export interface DaemonLoop {
  setTimer: typeof loop.setTimer;
  clearTimer: typeof loop.clearTimer;
  setRepeat: typeof loop.setRepeat;
  watchRead: typeof loop.watchRead;
  watchWrite: typeof loop.watchWrite;
  nowMs(): number;
}

export interface DaemonContext {
  paths: InstancePaths;
  /** The current valid configuration (re-read on SIGHUP). */
  config(): Map<string, string>;
  log: typeof log;
  loop: DaemonLoop;
  /** Registers fn, called after the configuration was re-read (SIGHUP or reloadConfig). */
  onReload(fn: () => void): void;
  /** Re-reads the configuration now and runs the onReload callbacks (e.g. a client's SYNC_CONFIG). */
  reloadConfig(why: string): void;
}

export interface DaemonService {
  name: string;
  /** Sets up sockets/timers through src/platform and returns; throw to abort the start. */
  start(ctx: DaemonContext): void;
  /** Closes what start() opened; called once, on SIGTERM/SIGINT or a failed start. */
  stop(): void;
}

const services: DaemonService[] = [];

export function registerDaemonService(svc: DaemonService): void {
  if (services.some((s) => s.name === svc.name)) throw new Error(`daemon service '${svc.name}' registered twice`);
  services.push(svc);
}

export function daemonServices(): readonly DaemonService[] {
  return services;
}
