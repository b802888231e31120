// The config file on disk: read (missing file = empty config; at most
// CONFIG_MAX_BYTES are read) and atomic, owner-only rewrite, in Serval DNA's
// key=value format. A rewrite killed half-way leaves `<file>.tmp<PID>`:
// removeStaleTemps() clears those of processes that are gone (`config set`
// and `start` call it).
import { mkdirp, remove, writeAtomic } from "../platform/files";
import { errnoText, listDir, readBytesMax } from "../platform/instance-io";
import { ENOENT } from "../platform/errno";
import { alive } from "../platform/proc";
import { CONFIG_MAX_BYTES, parseConfigBytes, formatConfig, ParsedConfig } from "./config-file";


export function loadConfig(path: string): ParsedConfig {
  const r = readBytesMax(path, CONFIG_MAX_BYTES + 1);
  if ("errno" in r) {
    const empty: ParsedConfig = { entries: new Map(), all: new Map(), problems: [] };
    if (r.errno !== ENOENT) empty.problems.push(`${path}: cannot read: ${errnoText(r.errno)}`);
    return empty;
  }
  return parseConfigBytes(r.bytes, path, r.size);
}

export function saveConfig(path: string, entries: Map<string, string>): void {
  const dir = path.slice(0, path.lastIndexOf("/"));
  if (dir) mkdirp(dir, 0o755);
  removeStaleTemps(path);
  writeAtomic(path, formatConfig(entries), 0o600);
}

/** Removes `<path>.tmp<PID>` files (left by writeAtomic when killed) whose process is gone; returns their names. */
export function removeStaleTemps(path: string): string[] {
  const slash = path.lastIndexOf("/");
  const dir = slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".";
  const prefix = `${path.slice(slash + 1)}.tmp`;
  const removed: string[] = [];
  for (const name of listDir(dir)) {
    if (!name.startsWith(prefix)) continue;
    const pid = name.slice(prefix.length);
    if (!/^[1-9]\d{0,9}$/.test(pid) || alive(Number(pid))) continue;
    const full = `${dir === "/" ? "" : dir}/${name}`;
    if (remove(full)) removed.push(full);
  }
  return removed;
}
