// Tiny argument parser for servald commands: `--flag`, `--opt=value`,
// positionals, and `--` to end options. Pure (no qjs imports): unit-tested
// under Node. Errors are UsageError with a one-line message.

export class UsageError extends Error {}

export interface ArgSpec {
  /** boolean switches, e.g. ["broadcast"] for --broadcast */
  flags?: string[];
  /** valued options, e.g. ["port"] for --port=4110 */
  options?: string[];
  /** positional count limits (default 0..0) */
  minArgs?: number;
  maxArgs?: number;
}

export interface ParsedArgs {
  positionals: string[];
  flags: Set<string>;
  options: Map<string, string>;
}

export function parseArgs(argv: readonly string[], spec: ArgSpec): ParsedArgs {
  const flags = new Set<string>();
  const options = new Map<string, string>();
  const positionals: string[] = [];
  let onlyPositionals = false;
  for (const a of argv) {
    if (onlyPositionals || !a.startsWith("--")) {
      positionals.push(a);
      continue;
    }
    if (a === "--") {
      onlyPositionals = true;
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    if (eq < 0) {
      if (spec.flags?.includes(name)) flags.add(name);
      else if (spec.options?.includes(name)) throw new UsageError(`option --${name} needs a value (--${name}=VALUE)`);
      else throw new UsageError(`unknown option --${name}`);
    } else {
      if (spec.options?.includes(name)) options.set(name, a.slice(eq + 1));
      else if (spec.flags?.includes(name)) throw new UsageError(`option --${name} takes no value`);
      else throw new UsageError(`unknown option --${name}`);
    }
  }
  const min = spec.minArgs ?? 0;
  const max = spec.maxArgs ?? min;
  if (positionals.length < min) throw new UsageError("missing argument");
  if (positionals.length > max) throw new UsageError(`unexpected argument '${positionals[max]}'`);
  return { positionals, flags, options };
}

/** Integer option with bounds; default when absent. */
export function intOption(p: ParsedArgs, name: string, def: number, min = 0, max = 0x7fffffff): number {
  const v = p.options.get(name);
  if (v === undefined) return def;
  if (!/^-?\d+$/.test(v)) throw new UsageError(`--${name} must be an integer, not '${v}'`);
  const n = Number(v);
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}`);
  return n;
}

/** Required string option. */
export function needOption(p: ParsedArgs, name: string): string {
  const v = p.options.get(name);
  if (v === undefined || v === "") throw new UsageError(`missing --${name}=VALUE`);
  return v;
}
