import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseArgs, UsageError } from "../../src/cli/args";
import { parseMspConnect, parseMspListen } from "../../src/cli/msp-args";

const listenSpec = { flags: ["once"], options: ["forward", "service"], minArgs: 0, maxArgs: 8 };
const connectSpec = { flags: ["once"], options: ["forward"], minArgs: 0, maxArgs: 8 };
const L = (...a: string[]) => parseMspListen(parseArgs(a, listenSpec));
const C = (...a: string[]) => parseMspConnect(parseArgs(a, connectSpec));
const SID = "70814EA8C9389AB47411053C39BE7E1FA13DA94F6A8250CAAC85C954E09EC950";

function usageError(fn: () => unknown, re: RegExp): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof UsageError, String(e));
    assert.match((e as Error).message, re);
    assert.not.match((e as Error).message, /\n/, "one line");
    assert.match((e as Error).message, /usage: servald msp (listen|connect) /);
    return;
  }
  assert.unreachable("no error");
}

test("msp listen: options and port", () => {
  assert.equal(L("512"), { once: false, forward: undefined, service: undefined, port: 512 });
  assert.equal(L("--once", "--forward=8080", "--service=web", "600"), { once: true, forward: 8080, service: "web", port: 600 });
});

test("msp listen: bad arguments", () => {
  usageError(() => L(), /missing MDPPORT/);
  usageError(() => L("x12"), /MDPPORT must be a number/);
  usageError(() => L("0"), /between 1 and/);
  usageError(() => L("--forward=0", "5"), /--forward must be a TCP port/);
  usageError(() => L("--forward=70000", "5"), /--forward must be a TCP port/);
  usageError(() => L("--service=a b", "5"), /--service/);
  usageError(() => L("5", "6"), /unexpected argument '6'/);
  assert.throws(() => L("--bogus", "5"), (e: Error) => e instanceof UsageError);
});

test("msp connect: SID and port", () => {
  const r = C(SID.toLowerCase(), "512");
  assert.is(r.sidHex, SID);
  assert.is(r.sid[0], 0x70);
  assert.is(r.sid[31], 0x50);
  assert.is(r.port, 512);
  assert.is(C("--once", "--forward=6001", SID, "512").forward, 6001);
  usageError(() => C(), /missing SID/);
  usageError(() => C("ABCD", "512"), /not a SID/);
  usageError(() => C(SID), /missing MDPPORT/);
  usageError(() => C(SID, "512", "x"), /unexpected argument 'x'/);
});

test.run();
