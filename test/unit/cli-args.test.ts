// Pure parts of the servald command line: argument parser and registry.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { intOption, needOption, parseArgs, UsageError } from "../../src/cli/args";
import { findCommand, listCommands, registerCommand } from "../../src/cli/registry";

const spec = { flags: ["broadcast"], options: ["port", "to"], minArgs: 1, maxArgs: 2 };

test("flags, --opt=value, positionals and --", () => {
  const p = parseArgs(["a", "--broadcast", "--port=4110", "--", "--to=x"], spec);
  assert.equal(p.positionals, ["a", "--to=x"]);
  assert.ok(p.flags.has("broadcast"));
  assert.is(p.options.get("port"), "4110");
  assert.is(intOption(p, "port", 0, 1, 65535), 4110);
  assert.is(intOption(p, "missing", 7), 7);
});

test("errors are UsageError with one-line messages", () => {
  const bad: Array<[string[], string]> = [
    [["a", "--nope"], "unknown option --nope"],
    [["a", "--port"], "option --port needs a value (--port=VALUE)"],
    [["a", "--broadcast=1"], "option --broadcast takes no value"],
    [[], "missing argument"],
    [["a", "b", "c"], "unexpected argument 'c'"],
  ];
  for (const [argv, msg] of bad) {
    try {
      parseArgs(argv, spec);
      assert.unreachable(`accepted ${argv.join(" ")}`);
    } catch (e) {
      assert.instance(e, UsageError);
      assert.is((e as Error).message, msg);
    }
  }
  const p = parseArgs(["a", "--port=70000"], spec);
  assert.throws(() => intOption(p, "port", 0, 1, 65535), /--port must be between 1 and 65535/);
  assert.throws(() => needOption(p, "to"), /missing --to=VALUE/);
});

test("registry: longest word match wins, hidden commands are not listed, duplicates rejected", () => {
  const run = () => 0;
  registerCommand({ words: ["cfg"], usage: "cfg", summary: "s", run });
  registerCommand({ words: ["cfg", "set"], usage: "cfg set K V", summary: "s", run, minArgs: 2 });
  registerCommand({ words: ["hook"], usage: "hook", summary: "s", hidden: true, run });
  const m = findCommand(["cfg", "set", "k", "v"]);
  assert.equal(m.cmd.words, ["cfg", "set"]);
  assert.equal(m.rest, ["k", "v"]);
  assert.equal(findCommand(["cfg", "get"]).rest, ["get"]);
  assert.equal(listCommands().map((c) => c.usage), ["cfg", "cfg set K V"]);
  assert.is(listCommands(true).length, 3);
  assert.throws(() => findCommand(["nope", "x"]), /unknown command 'nope x'/);
  assert.throws(() => registerCommand({ words: ["cfg"], usage: "cfg", summary: "s", run }), /registered twice/);
});

test.run();
