// `servald help [WORDS...]`: lists commands, or the usage of matching ones.
import { print } from "../platform/proc";
import { listCommands, registerCommand } from "./registry";

registerCommand({
  words: ["help"],
  usage: "help [COMMAND...]",
  summary: "list commands, or show the usage of one",
  maxArgs: 8,
  run(a) {
    const want = a.positionals.join(" ");
    const cmds = listCommands().filter((c) => c.words.join(" ").startsWith(want));
    // usages longer than WIDE get their summary on the next line
    const WIDE = 28;
    const width = Math.max(0, ...cmds.map((c) => c.usage.length).filter((n) => n <= WIDE));
    if (!want) print("usage: servald COMMAND [ARGS...]\n\ncommands:\n");
    for (const c of cmds) {
      if (c.usage.length > WIDE) print(`  servald ${c.usage}\n  ${" ".repeat(width + 10)}${c.summary}\n`);
      else print(`  servald ${c.usage.padEnd(width)}  ${c.summary}\n`);
    }
    return cmds.length ? 0 : 2;
  },
});
