// Serval DNA's config file syntax: "key=value" lines; lines starting with
// "#" and blank lines are ignored; the value is the rest of the line verbatim
// (a trailing CR is dropped). Pure: unit-tested under Node.
import { checkConfig, ConfigError } from "./config-schema";

export interface ParsedConfig {
  /** valid entries in file order (what the daemon uses) */
  entries: Map<string, string>;
  /** every well-formed key=value line, valid or not (what `config set` rewrites, so
   *  a line this version does not understand is kept, not silently dropped) */
  all: Map<string, string>;
  /** one line per problem: "<source>:<line>: <what>" */
  problems: string[];
}

export function parseConfig(text: string, source: string): ParsedConfig {
  const entries = new Map<string, string>();
  const all = new Map<string, string>();
  const problems: string[] = [];
  const lines = text.split("\n");
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  lines.forEach((raw, i) => {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.startsWith("#") || line.trim() === "") return;
    const eq = line.indexOf("=");
    const where = `${source}:${i + 1}`;
    if (eq <= 0) {
      problems.push(`${where}: malformed configuration line`);
      return;
    }
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (all.has(key)) {
      problems.push(`${where}: duplicate configuration option ${key}`);
      return;
    }
    all.set(key, value);
    try {
      checkConfig(key, value);
      entries.set(key, value);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(`${where}: ${e.message}`);
    }
  });
  return { entries, all, problems };
}

export function formatConfig(entries: Map<string, string>): string {
  let s = "";
  for (const [k, v] of entries) s += `${k}=${v}\n`;
  return s;
}
