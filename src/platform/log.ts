// Logging: one line per event on stderr, "LEVEL: text" (procd/logd add the
// time and tag). Newlines inside a message are flattened so one event never
// spans lines. With SERVAL_LOG_SYSLOG=1 (set by the OpenWrt init script) the
// lines go to syslog(3) instead, as "servald[PID]: text" at daemon.debug /
// info / warning / err: procd logs all of a service's stderr as daemon.err.
import * as std from "qjs:std";
import * as native from "serval:native";

export type LogLevel = "debug" | "info" | "warn" | "error";
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
let threshold = RANK.info;

export function isLogLevel(s: string): s is LogLevel {
  return Object.prototype.hasOwnProperty.call(RANK, s);
}

export function setLogLevel(level: LogLevel): void {
  threshold = RANK[level];
}

export function logEnabled(level: LogLevel): boolean {
  return RANK[level] >= threshold;
}

const SYSLOG_PRIO: Record<LogLevel, number> = {
  debug: native.LOG_DEBUG, info: native.LOG_INFO, warn: native.LOG_WARNING, error: native.LOG_ERR,
};
const toSyslog = std.getenv("SERVAL_LOG_SYSLOG") === "1";
if (toSyslog) native.syslogOpen("servald");

function emit(level: LogLevel, text: string): void {
  if (RANK[level] < threshold) return;
  if (toSyslog) {
    native.syslog(SYSLOG_PRIO[level], text.replace(/\r?\n/g, " | "));
    return;
  }
  std.err.puts(`${level.toUpperCase()}: ${text.replace(/\r?\n/g, " | ")}\n`);
  std.err.flush();
}

/** Text of any thrown value, without a stack trace. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export const log = {
  debug: (text: string): void => emit("debug", text),
  info: (text: string): void => emit("info", text),
  warn: (text: string): void => emit("warn", text),
  error: (text: string): void => emit("error", text),
};
