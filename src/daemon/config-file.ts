// Serval DNA's config file syntax: "key=value" lines; lines starting with
// "#" and blank lines are ignored; the value is the rest of the line verbatim
// (a trailing CR is dropped). Pure: unit-tested under Node.
import { checkConfig, ConfigError } from "./config-schema";
import { tunnelsFromConfig } from "./tunnel-config";

export interface ParsedConfig {
  /** valid entries in file order (what the daemon uses) */
  entries: Map<string, string>;
  /** every well-formed key=value line, valid or not (what `config set` rewrites, so
   *  a line this version does not understand is kept, not silently dropped) */
  all: Map<string, string>;
  /** one line per problem: "<source>:<line>: <what>" */
  problems: string[];
}

/** Problems that take several lines (a tunnel's keys), reported at the line of the key concerned. */
function checkGroups(out: ParsedConfig, where: Map<string, string>): ParsedConfig {
  for (const p of tunnelsFromConfig(out.entries).problems) out.problems.push(`${where.get(p.key) ?? "?"}: ${p.text}`);
  return out;
}

/** Serval DNA's CONFIG_FILE_MAX_SIZE: a bigger file is refused (conf.h). */
export const CONFIG_MAX_BYTES = 32 * 1024;
/** Longest line read (the longest valid value, 16 interface patterns, is ~660 bytes). */
export const CONFIG_LINE_MAX = 4096;

export function parseConfig(text: string, source: string): ParsedConfig {
  const lines = text.split("\n");
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  const out = emptyConfig();
  const where = new Map<string, string>();
  lines.forEach((raw, i) => parseLine(out, raw, `${source}:${i + 1}`, where));
  return checkGroups(out, where);
}

/** The file's bytes as read (at most CONFIG_MAX_BYTES + 1 of `size`): lines with a
 * NUL byte, invalid UTF-8 or over CONFIG_LINE_MAX bytes, and a file over
 * CONFIG_MAX_BYTES, are problems (one each, with the line number), as are
 * the problems parseConfig finds. */
export function parseConfigBytes(bytes: Uint8Array, source: string, size = bytes.length): ParsedConfig {
  const out = emptyConfig();
  const keyLines = new Map<string, string>();
  const end = Math.min(bytes.length, CONFIG_MAX_BYTES);
  let lineNo = 0;
  for (let start = 0; start < end;) {
    lineNo++;
    let nl = bytes.indexOf(10, start);
    const complete = nl >= 0 && nl < end;
    if (!complete) nl = end;
    const where = `${source}:${lineNo}`;
    if (!complete && size > CONFIG_MAX_BYTES) break; // reported below
    const len = nl - start;
    if (len > CONFIG_LINE_MAX) {
      out.problems.push(`${where}: line too long (${len} bytes, at most ${CONFIG_LINE_MAX})`);
    } else {
      const nul = bytes.indexOf(0, start);
      if (nul >= 0 && nul < nl) out.problems.push(`${where}: NUL byte at column ${nul - start + 1}`);
      else {
        const text = decodeUtf8Line(bytes, start, nl);
        if (text === undefined) out.problems.push(`${where}: not UTF-8 text`);
        else parseLine(out, text, where, keyLines);
      }
    }
    start = nl + 1;
  }
  if (size > CONFIG_MAX_BYTES) {
    out.problems.push(`${source}:${lineNo}: file too large (${size} bytes, at most ${CONFIG_MAX_BYTES}); not read beyond byte ${CONFIG_MAX_BYTES}`);
  }
  return checkGroups(out, keyLines);
}

function emptyConfig(): ParsedConfig {
  return { entries: new Map(), all: new Map(), problems: [] };
}

/** UTF-8 bytes [start, end) as a string; undefined when not valid UTF-8. */
function decodeUtf8Line(b: Uint8Array, start: number, end: number): string | undefined {
  let s = "";
  for (let i = start; i < end;) {
    const c = b[i]!;
    let cp: number, n: number;
    if (c < 0x80) { s += String.fromCharCode(c); i++; continue; }
    if (c >= 0xc2 && c <= 0xdf) { cp = c & 0x1f; n = 1; }
    else if (c >= 0xe0 && c <= 0xef) { cp = c & 0x0f; n = 2; }
    else if (c >= 0xf0 && c <= 0xf4) { cp = c & 0x07; n = 3; }
    else return undefined;
    for (let k = 1; k <= n; k++) {
      const x = b[i + k];
      if (x === undefined || i + k >= end || (x & 0xc0) !== 0x80) return undefined;
      cp = (cp << 6) | (x & 0x3f);
    }
    if ((n === 2 && cp < 0x800) || (n === 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
    s += String.fromCodePoint(cp);
    i += n + 1;
  }
  return s;
}

function parseLine(out: ParsedConfig, raw: string, where: string, keyLines: Map<string, string>): void {
  const { entries, all, problems } = out;
  const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
  if (line.startsWith("#") || line.trim() === "") return;
  const eq = line.indexOf("=");
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
  keyLines.set(key, where);
  try {
    checkConfig(key, value);
    entries.set(key, value);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(`${where}: ${e.message}`);
  }
}

export function formatConfig(entries: Map<string, string>): string {
  let s = "";
  for (const [k, v] of entries) s += `${k}=${v}\n`;
  return s;
}
