// `servald config set|get|del`: edits the config file (SERVAL_CONFIG_FILE or
// <instance>/serval.conf) in Serval DNA's key=value format. Keys and values
// are checked against src/daemon/config-schema.ts; the file is rewritten
// atomically with mode 0600. A running daemon re-reads it on SIGHUP.
import { checkConfig, ConfigError, keyType } from "../daemon/config-schema";
import { loadConfig, saveConfig } from "../daemon/config-store";
import { instancePaths } from "../daemon/paths";
import { getenv, print, printErr } from "../platform/proc";
import { UsageError } from "./args";
import { registerCommand } from "./registry";

function load(): { file: string; entries: Map<string, string> } {
  const file = instancePaths(getenv).configFile;
  const { all, problems } = loadConfig(file);
  for (const p of problems) printErr(`servald: warning: ${p}\n`);
  return { file, entries: all };
}

function usageOnBadKey(f: () => void): void {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
}

registerCommand({
  words: ["config", "set"],
  usage: "config set KEY VALUE",
  summary: "set a configuration option (Serval DNA key names)",
  minArgs: 2,
  maxArgs: 2,
  run(a) {
    const [key, value] = a.positionals as [string, string];
    usageOnBadKey(() => checkConfig(key, value));
    const { file, entries } = load();
    entries.set(key, value);
    saveConfig(file, entries);
    return 0;
  },
});

registerCommand({
  words: ["config", "get"],
  usage: "config get [KEY]",
  summary: "print key=value for one option (exit 1 if unset) or all",
  maxArgs: 1,
  run(a) {
    const key = a.positionals[0];
    const { entries } = load();
    if (key === undefined) {
      for (const [k, v] of entries) print(`${k}=${v}\n`);
      return 0;
    }
    if (keyType(key) === null) throw new UsageError(`unknown config key '${key}'`);
    const v = entries.get(key);
    if (v === undefined) return 1;
    print(`${key}=${v}\n`);
    return 0;
  },
});

registerCommand({
  words: ["config", "del"],
  usage: "config del KEY",
  summary: "remove a configuration option",
  minArgs: 1,
  run(a) {
    const key = a.positionals[0]!;
    const { file, entries } = load();
    if (entries.delete(key)) saveConfig(file, entries);
    return 0;
  },
});
