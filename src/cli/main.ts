// servald entry: dispatch to a registered command. Errors never show a stack
// trace: a usage error prints "servald: <message> (try 'servald help')" and
// exits 2; any other failure prints "servald: <message>" and exits 1.
import { errorText } from "../platform/log";
import { exit } from "../platform/loop";
import { printErr } from "../platform/proc";
import { parseArgs, UsageError } from "./args";
import "./commands";
import { findCommand } from "./registry";

function fail(e: unknown): never {
  if (e instanceof UsageError) {
    printErr(`servald: ${e.message} (try 'servald help')\n`);
    return exit(2);
  }
  printErr(`servald: ${errorText(e)}\n`);
  return exit(1);
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    const { cmd, rest } = findCommand(argv.length ? argv : ["help"]);
    const parsed = parseArgs(rest, cmd);
    const r = await cmd.run(parsed);
    if (typeof r === "number") exit(r);
  } catch (e) {
    fail(e);
  }
}
