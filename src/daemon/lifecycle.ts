// Running the daemon in the foreground: pid file, config, log level,
// registered services, and signals (SIGTERM/SIGINT stop cleanly with exit 0,
// SIGHUP re-reads the config). `servald start` daemonises and then runs this.
// The pid file is written only once every service started (client socket
// bound): `servald start` waits for it, so a client run right after finds the
// daemon ready.
// One daemon per instance: the daemon holds an flock on <run>/servald.lock
// (taken by `start` before it forks, inherited by the daemon) for its whole
// life; a second or racing start gets AlreadyRunning (exit status 10, as Serval
// DNA's `start`). A config file with bad lines is refused at start
// (ConfigProblems: one line each, exit status 2); SIGHUP re-reads it leniently.
import { errorText, isLogLevel, log, LogLevel, setLogLevel } from "../platform/log";
import { clearTimer, exit, guard, setRepeat, setTimer, watchRead, watchWrite } from "../platform/loop";
import { nowMs } from "../platform/clock";
import { pid } from "../platform/proc";
import { closeSignals, onSignal } from "../platform/signals";
import { mkdirp } from "../platform/files";
import { closeFd, errnoOf, errnoText, EWOULDBLOCK, lockFile, lockWritePid } from "../platform/instance-io";
import { loadConfig, removeStaleTemps } from "./config-store";
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

/** Exit status of `start` when a daemon already runs for the instance (Serval DNA's too). */
export const EXIT_ALREADY_RUNNING = 10;
/** Exit status of `start` on a config file with bad lines. */
export const EXIT_BAD_CONFIG = 2;

export class AlreadyRunning extends Error {}

export class ConfigProblems extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
  }
}

/** "call: strerror (ENAME)" for an error from the native module, else its message. */
export function resourceText(e: unknown): string {
  const errno = errnoOf(e);
  const text = errorText(e);
  return errno !== undefined && !/\(E[A-Z]+\)$/.test(text) ? text.replace(/: [^:]*$/, `: ${errnoText(errno)}`) : text;
}

/** The pid of the process holding the instance lock, if any (probes the lock: `stop` only). */
export function lockHolder(paths: InstancePaths): number | null {
  const fd = lockFile(paths.lockFile);
  if (fd >= 0) {
    closeFd(fd); // nobody held it
    return null;
  }
  return fd === -EWOULDBLOCK ? runningPid(paths.lockFile) : null;
}

/** Takes the instance lock (creating the run directory); returns its fd, kept open
 * for the daemon's life. Throws AlreadyRunning, or an error naming the resource. */
export function takeInstanceLock(paths: InstancePaths): number {
  try {
    mkdirp(paths.run, 0o755);
  } catch (e) {
    throw new Error(`run directory ${paths.run}: ${resourceText(e)}`);
  }
  const fd = lockFile(paths.lockFile);
  if (fd === -EWOULDBLOCK) {
    const pid = runningPid(paths.pidFile) ?? runningPid(paths.lockFile);
    throw new AlreadyRunning(`already running (${pid !== null ? `pid ${pid}` : "starting"}; instance ${paths.instance})`);
  }
  if (fd < 0) throw new Error(`cannot lock ${paths.lockFile}: ${errnoText(-fd)}`);
  return fd;
}

/** Throws ConfigProblems when the config file has bad lines (start is strict, as Serval DNA's). */
export function checkStartConfig(paths: InstancePaths): void {
  const { problems } = loadConfig(paths.configFile);
  if (problems.length) throw new ConfigProblems(problems);
}

/** Removes temp files of config/keyring rewrites killed half-way; logs each. */
export function cleanStaleTemps(paths: InstancePaths): void {
  for (const f of [...removeStaleTemps(paths.configFile), ...removeStaleTemps(paths.keyring)]) {
    log.info(`removed ${f} (left by a killed rewrite)`);
  }
}

function readConfig(paths: InstancePaths): Map<string, string> {
  const { entries, problems } = loadConfig(paths.configFile);
  for (const p of problems) log.warn(`config: ${p} (ignored)`);
  setLogLevel(logLevelOf(entries.get("log.console.level")));
  return entries;
}

/** Starts every service; returns when they are running (the event loop keeps the process alive).
 * `lockFd`: the instance lock `start` took before forking (else it is taken here). */
export function runForeground(paths: InstancePaths, lockFd?: number): void {
  const lock = lockFd ?? takeInstanceLock(paths);
  checkStartConfig(paths);
  const rc = lockWritePid(lock);
  if (rc < 0) throw new Error(`lock file ${paths.lockFile}: write: ${errnoText(-rc)}`);
  cleanStaleTemps(paths);
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
    current = `pid file ${paths.pidFile}`;
    writePid(paths.pidFile);
  } catch (e) {
    stopAll();
    removeOwnPid(paths.pidFile);
    closeSignals();
    throw new Error(`${current}: ${resourceText(e)}`);
  }
  const names = started.map((s) => s.name).join(", ") || "none";
  log.info(`servald started (pid ${pid()}, instance ${paths.instance}, services: ${names})`);
}
