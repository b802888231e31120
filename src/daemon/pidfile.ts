// The daemon's pid file (<run>/servald.pid): one decimal pid and a newline.
// A pid counts as "running" only if that process exists and runs the same
// executable as we do (pids are reused after a crash or reboot).
import { mkdirp, readlink, readText, remove, writeAtomic } from "../platform/files";
import { alive, pid as ownPid } from "../platform/proc";

function exeOf(pid: number | "self"): string | null {
  const target = readlink(`/proc/${pid}/exe`);
  return target === null ? null : target.replace(/ \(deleted\)$/, "");
}

export function readPid(path: string): number | null {
  const t = readText(path);
  if (t === null || !/^\d+\s*$/.test(t)) return null;
  const n = Number(t.trim());
  return n > 0 ? n : null;
}

/** The pid of a live servald owning the pid file, else null. */
export function runningPid(path: string): number | null {
  const p = readPid(path);
  if (p === null || p === ownPid() || !alive(p)) return null;
  const mine = exeOf("self");
  const theirs = exeOf(p);
  // when /proc is not readable, trust the pid
  if (mine !== null && theirs !== null && mine !== theirs) return null;
  return p;
}

export function writePid(path: string): void {
  mkdirp(path.slice(0, path.lastIndexOf("/")) || "/", 0o755);
  writeAtomic(path, `${ownPid()}\n`, 0o644);
}

/** Removes the pid file if it names this process. */
export function removeOwnPid(path: string): void {
  if (readPid(path) === ownPid()) remove(path);
}
