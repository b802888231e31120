// Parser for `servald keyring dump --secret` (import of Serval DNA identities).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { toHex } from "../../src/wire/bytes";
import { parseServalKeyringDump } from "../../src/keyring/serval-dump";
import { decodeKeyring, encodeKeyring } from "../../src/keyring/keyring-file";
import { INTEROP as interop } from "../helpers/wire-interop";

const dumpA = readFileSync(resolve(interop, "keyring_A_dump_secret.txt"), "utf8");
const dumpB = readFileSync(resolve(interop, "keyring_B_dump_secret.txt"), "utf8");

test("set 1 A: one CRYPTOCOMBINED identity, RHIZOME line skipped", () => {
  const r = parseServalKeyringDump(dumpA);
  if (!r.ok) throw new Error(r.message);
  assert.is(r.identities.length, 1);
  assert.is(r.identities[0].index, 0);
  assert.is(toHex(r.identities[0].identity.sid), "70814EA8C9389AB47411053C39BE7E1FA13DA94F6A8250CAAC85C954E09EC950");
  assert.is(toHex(r.identities[0].identity.signPublic).slice(0, 8), "18721112");
});

test("several identities keep their numbers; an imported identity survives our keyring file", () => {
  const lineB = dumpB.split("\n").filter((l) => /CRYPTOCOMBINED/.test(l))[0].replace(/^0:/, "1:");
  const r = parseServalKeyringDump(dumpA + lineB + "\n");
  if (!r.ok) throw new Error(r.message);
  assert.equal(r.identities.map((d) => d.index), [0, 1]);
  const file = decodeKeyring(encodeKeyring(r.identities.map((d) => d.identity)));
  if (!file.ok) throw new Error(file.error.message);
  assert.is(toHex(file.identities[1].sid), "9821453A3239FDDC9C58B33E89AE42C2B9EBBBF0B2AFB5DF92C69D2408B14A3C");
});

test("public-only dumps, bad hex and inconsistent keys are errors with a line number", () => {
  const pub = readFileSync(resolve(interop, "keyring_A_dump_public.txt"), "utf8");
  const p = parseServalKeyringDump(pub);
  assert.ok(!p.ok && p.line === 2 && /--secret/.test(p.message));
  const garbage = parseServalKeyringDump("hello world\n");
  assert.ok(!garbage.ok && garbage.line === 1);
  // Change one hex digit of the stored SID: it no longer matches the seed.
  const wrongSid = dumpA.replace("70814EA8C9389AB4", "70814EA8C9389AB5");
  const w = parseServalKeyringDump(wrongSid);
  assert.ok(!w.ok && /sid/.test(w.message));
  const wrongBox = dumpA.replace(/B8888732A5EB6C38/, "B8888732A5EB6C39");
  const b = parseServalKeyringDump(wrongBox);
  assert.ok(!b.ok && /boxSecret/.test(b.message));
  const badHex = parseServalKeyringDump(dumpA.replace("sec=A0A3", "sec=Z0A3"));
  assert.not.ok(badHex.ok);
});

test("an empty dump has no identities", () => {
  const r = parseServalKeyringDump("");
  assert.ok(r.ok && r.identities.length === 0);
});

test.run();
