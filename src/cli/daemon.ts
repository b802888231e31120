// `servald start [foreground]`, `servald stop`, `servald status`.
// start: daemonises (stderr appended to <run>/servald.log), waits until the
// daemon wrote its pid file -- which it does only once its services run and
// its client socket is bound -- then prints "instancepath:..." and "pid:...".
// If the daemon exits first, its ERROR lines from the log are the message.
// The log is capped per start: over LOG_ROTATE_BYTES it moves to servald.log.1
// (replacing the previous one), so at most two logs of ~256 KB each exist.
// If it cannot (a full disk, no permission, too many open files) it tells
// `start` why through a pipe, since its log may be unwritable.
// Exit status of start and start foreground: 0 started; 10 already running for
// this instance (another daemon holds <run>/servald.lock); 2 the config file
// has bad lines (one "servald: FILE:LINE: reason" line each on stderr);
// 1 anything else (the reason on stderr).
// status: exit 0 when running, 3 when not (LSB convention). status --json asks
// the running daemon over its client socket (the DAEMON_STATUS command,
// src/daemon/status.ts) and prints one line of JSON; when it is not running,
// one line "servald: not running (instance DIR)" on stderr and exit 3; a
// daemon that does not answer (too old, or Serval DNA): exit 1.
import { instancePaths, InstancePaths } from "../daemon/paths";
import {
  AlreadyRunning, checkStartConfig, ConfigProblems, EXIT_ALREADY_RUNNING, EXIT_BAD_CONFIG, lockHolder, resourceText,
  runForeground, takeInstanceLock,
} from "../daemon/lifecycle";
import { readPid, runningPid } from "../daemon/pidfile";
import { errorText, log } from "../platform/log";
import { exit } from "../platform/loop";
import { fileSize, readBytes, rename } from "../platform/files";
import { closeFd, openPipe, readFdText, writeFd } from "../platform/instance-io";
import { alive, childExited, daemonize, getenv, kill, print, printErr, SIG, sleepMs, utf8Decode } from "../platform/proc";
import { registerCommand } from "./registry";
import { openMdpClient } from "../client/open";
import { MdpClientError } from "../client/mdp-client";
import { MDP_DAEMON_STATUS } from "../wire/client-header";

const paths = () => instancePaths(getenv);

export const LOG_ROTATE_BYTES = 256 * 1024;
/** How long start and stop wait for the daemon. */
const WAIT_MS = 10_000;

/** Checks done() every 20 ms (blocking: CLI only) until it is true or ms passed. */
function pollFor(ms: number, done: () => boolean): boolean {
  for (let waited = 0; waited < ms; waited += 20) {
    if (done()) return true;
    sleepMs(20);
  }
  return done();
}

/** Moves logFile to logFile.1 when it has grown over LOG_ROTATE_BYTES. */
function rotateLog(logFile: string): void {
  if ((fileSize(logFile) ?? 0) <= LOG_ROTATE_BYTES) return;
  const rc = rename(logFile, `${logFile}.1`);
  if (rc < 0) log.warn(`cannot rotate ${logFile} (errno ${-rc})`);
}

/** Runs f; AlreadyRunning and ConfigProblems become their exit statuses (other errors propagate). */
function startStatus(f: () => number | undefined): number | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof AlreadyRunning) {
      printErr(`servald: ${e.message}\n`);
      return EXIT_ALREADY_RUNNING;
    }
    if (e instanceof ConfigProblems) {
      for (const p of e.problems) printErr(`servald: ${p}\n`);
      return EXIT_BAD_CONFIG;
    }
    throw e;
  }
}

registerCommand({
  words: ["start"],
  usage: "start",
  summary: "start the daemon in the background (pid file in SERVAL_RUN_PATH)",
  run() {
    const p = paths();
    return startStatus(() => {
      const lock = takeInstanceLock(p);
      checkStartConfig(p);
      return startBackground(p, lock);
    });
  },
});

function startBackground(p: InstancePaths, lock: number): number | undefined {
  rotateLog(p.logFile);
  const logStart = fileSize(p.logFile) ?? 0;
  // The daemon reports a failure to start here too: its log may be on a full disk.
  const [statusIn, statusOut] = openPipe();
  let child: number;
  try {
    child = daemonize(p.logFile);
  } catch (e) {
    throw new Error(`log file ${p.logFile}: ${resourceText(e)}`);
  }
  if (child === 0) {
    closeFd(statusIn);
    try {
      runForeground(p, lock);
      closeFd(statusOut);
    } catch (e) {
      log.error(`start: ${errorText(e)}`);
      writeFd(statusOut, errorText(e));
      exit(1);
    }
    return undefined;
  }
  closeFd(statusOut);
  const ready = pollFor(WAIT_MS, () => {
    if (childExited(child)) {
      const why = readFdText(statusIn).trim() || startErrors(p.logFile, logStart);
      throw new Error(`daemon failed to start: ${why} (log ${p.logFile})`);
    }
    return readPid(p.pidFile) === child && alive(child);
  });
  if (!ready) throw new Error(`daemon did not start within 10 s (see ${p.logFile})`);
  print(`instancepath:${p.instance}\npid:${child}\n`);
  return 0;
}

/** The ERROR lines the daemon logged since `from` (byte offset), without the level prefix. */
function startErrors(logFile: string, from: number): string {
  const bytes = readBytes(logFile);
  if (bytes === null || bytes.length <= from) return "no error logged";
  const lines = utf8Decode(bytes.subarray(from)).split("\n").filter((l) => l.startsWith("ERROR: "));
  return lines.length ? lines.map((l) => l.slice(7).replace(/^start: /, "")).join("; ") : "no error logged";
}

registerCommand({
  words: ["start", "foreground"],
  usage: "start foreground",
  summary: "run the daemon in the foreground, logging to stderr (for procd)",
  run() {
    return startStatus(() => {
      runForeground(paths());
      return undefined;
    });
  },
});

registerCommand({
  words: ["stop"],
  usage: "stop",
  summary: "stop the running daemon (SIGTERM, waits up to 10 s)",
  run() {
    const p = paths();
    // The pid file, else whoever holds the instance lock (a daemon still starting).
    const pid = runningPid(p.pidFile) ?? lockHolder(p);
    if (pid === null) throw new Error("not running");
    kill(pid, SIG.TERM);
    if (!pollFor(WAIT_MS, () => !alive(pid))) throw new Error(`pid ${pid} did not stop within 10 s`);
    print(`stopped pid:${pid}\n`);
    return 0;
  },
});

registerCommand({
  words: ["status"],
  usage: "status [--json]",
  summary: "show whether the daemon runs (exit 0) or not (exit 3); --json: its counters, interfaces, tunnels",
  flags: ["json"],
  run(args) {
    const p = paths();
    const pid = runningPid(p.pidFile) ?? runningPid(p.lockFile);
    if (args.flags.has("json")) return statusJson(p, pid);
    print(`instancepath:${p.instance}\nstatus:${pid === null ? "stopped" : "running"}\n${pid === null ? "" : `pid:${pid}\n`}`);
    return pid === null ? 3 : 0;
  },
});

/** `status --json`: the daemon's own report, one line of JSON. */
async function statusJson(p: InstancePaths, pid: number | null): Promise<number> {
  const notRunning = () => {
    printErr(`servald: not running (instance ${p.instance})\n`);
    return 3;
  };
  if (pid === null) return notRunning();
  let parts: Uint8Array[];
  const c = openMdpClient(p.run);
  try {
    parts = await c.command(MDP_DAEMON_STATUS);
  } catch (e) {
    if (e instanceof MdpClientError && e.code === "not-running") return notRunning();
    if (e instanceof MdpClientError && e.code === "daemon-error") throw new Error(`the daemon (pid ${pid}) does not answer status --json`);
    throw e;
  } finally {
    c.close();
  }
  let n = 0;
  for (const b of parts) n += b.length;
  const all = new Uint8Array(n);
  n = 0;
  for (const b of parts) { all.set(b, n); n += b.length; }
  print(utf8Decode(all) + "\n");
  return 0;
}
