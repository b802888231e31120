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
    const width = Math.max(...cmds.map((c) => c.usage.length));
    if (!want) print("usage: servald COMMAND [ARGS...]\n\ncommands:\n");
    for (const c of cmds) print(`  servald ${c.usage.padEnd(width)}  ${c.summary}\n`);
    return cmds.length ? 0 : 2;
  },
});
