// Command registry: each command file under src/cli/ calls registerCommand()
// at load, and src/cli/commands.ts imports it (one line per file). Pure: no
// qjs imports, so dispatch is unit-testable under Node.
import { ArgSpec, ParsedArgs, UsageError } from "./args";

/** Exit status, or undefined to keep running the event loop (daemons, servers). */
export type CommandResult = number | void | Promise<number | void>;

export interface Command extends ArgSpec {
  /** leading words that select the command, e.g. ["config", "set"] */
  words: string[];
  /** usage after "servald", e.g. "config set KEY VALUE" */
  usage: string;
  summary: string;
  /** test hooks and the like: not listed by help */
  hidden?: boolean;
  run(args: ParsedArgs): CommandResult;
}

const commands: Command[] = [];

export function registerCommand(c: Command): void {
  if (commands.some((o) => o.words.join(" ") === c.words.join(" "))) {
    throw new Error(`command '${c.words.join(" ")}' registered twice`);
  }
  commands.push(c);
}

export function listCommands(includeHidden = false): Command[] {
  return commands.filter((c) => includeHidden || !c.hidden)
    .sort((a, b) => a.usage.localeCompare(b.usage));
}

/** The command with the longest word match, and the remaining arguments. */
export function findCommand(argv: readonly string[]): { cmd: Command; rest: string[] } {
  let best: Command | null = null;
  for (const c of commands) {
    if (c.words.length > argv.length) continue;
    if (!c.words.every((w, i) => argv[i] === w)) continue;
    if (!best || c.words.length > best.words.length) best = c;
  }
  if (!best) {
    const w = argv.length ? argv[0] : "";
    throw new UsageError(w ? `unknown command '${argv.join(" ")}'` : "no command given");
  }
  return { cmd: best, rest: argv.slice(best.words.length) };
}
