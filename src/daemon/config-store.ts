// The config file on disk: read (missing file = empty config) and atomic,
// owner-only rewrite, in Serval DNA's key=value format.
import { mkdirp, readText, writeAtomic } from "../platform/files";
import { parseConfig, formatConfig, ParsedConfig } from "./config-file";

export function loadConfig(path: string): ParsedConfig {
  const text = readText(path);
  return text === null ? { entries: new Map(), all: new Map(), problems: [] } : parseConfig(text, path);
}

export function saveConfig(path: string, entries: Map<string, string>): void {
  const dir = path.slice(0, path.lastIndexOf("/"));
  if (dir) mkdirp(dir, 0o755);
  writeAtomic(path, formatConfig(entries), 0o600);
}
