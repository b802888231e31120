// Running the daemon in the foreground: pid file, config, log level,
// registered services, and signals (SIGTERM/SIGINT stop cleanly with exit 0,
// SIGHUP re-reads the config). `servald start` daemonises and then runs this.
// The pid file is written only once every service started (client socket
// bound): `servald start` waits for it, so a client run right after finds the
// daemon ready.
import { errorText, isLogLevel, log, LogLevel, setLogLevel } from "../platform/log";
import { clearTimer, exit, guard, setRepeat, setTimer, watchRead, watchWrite } from "../platform/loop";
import { nowMs } from "../platform/clock";
import { pid } from "../platform/proc";
import { closeSignals, onSignal } from "../platform/signals";
import { loadConfig } from "./config-store";
import type { InstancePaths } from "./paths";
import { removeOwnPid, runningPid, writePid } from "./pidfile";
import { DaemonContext, DaemonService, daemonServices } from "./services";
import "./service-list";

/** Serval DNA's log level names -> ours. */
export function logLevelOf(serval: string | undefined): LogLevel {
  const v = (serval ?? "info").toLowerCase();
  if (v === "hint") return "info";
  if (v === "fatal" || v === "none" || v === "silent") return "error";
  return isLogLevel(v) ? v : "info";
}

function readConfig(paths: InstancePaths): Map<string, string> {
  const { entries, problems } = loadConfig(paths.configFile);
  for (const p of problems) log.warn(`config: ${p} (ignored)`);
  setLogLevel(logLevelOf(entries.get("log.console.level")));
  return entries;
}

/** Starts every service; returns when they are running (the event loop keeps the process alive). */
export function runForeground(paths: InstancePaths): void {
  const other = runningPid(paths.pidFile);
  if (other !== null) throw new Error(`already running (pid ${other})`);
  let config = readConfig(paths);
  const reloaders: Array<() => void> = [];
  const started: DaemonService[] = [];
  const stopAll = (): void => {
    while (started.length) {
      const s = started.pop()!;
      guard(`stop ${s.name}`, () => s.stop());
    }
  };
  const reload = (why: string): void => {
    log.info(`${why}: re-reading configuration`);
    config = readConfig(paths);
    for (const r of reloaders) guard("reload", r);
  };
  onSignal((name) => {
    if (name === "SIGHUP") return reload("SIGHUP");
    log.info(`stopping on ${name}`);
    stopAll();
    removeOwnPid(paths.pidFile);
    closeSignals();
    exit(0);
  });
  const ctx: DaemonContext = {
    paths,
    config: () => config,
    log,
    loop: { setTimer, clearTimer, setRepeat, watchRead, watchWrite, nowMs },
    onReload: (fn) => { reloaders.push(fn); },
    reloadConfig: (why) => reload(why),
  };
  let current = "pid file";
  try {
    for (const svc of daemonServices()) {
      current = svc.name;
      svc.start(ctx);
      started.push(svc);
    }
    current = "pid file";
    writePid(paths.pidFile);
  } catch (e) {
    stopAll();
    removeOwnPid(paths.pidFile);
    closeSignals();
    throw new Error(`${current}: ${errorText(e)}`);
  }
  const names = started.map((s) => s.name).join(", ") || "none";
  log.info(`servald started (pid ${pid()}, instance ${paths.instance}, services: ${names})`);
}
