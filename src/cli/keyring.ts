// `servald keyring add` and `servald keyring list`, printed as Serval DNA does
// (keyring_cli.c): add prints `sid:` and `identity:` lines; list is a table.
import { registerCommand } from "./registry.js";
import { addIdentity, readKeyring } from "../daemon/mesh-keyring.js";
import { keyringPath } from "../client/run-path.js";
import { table } from "../client/route-format.js";
import { toHex } from "../wire/bytes.js";
import { print } from "../platform/proc.js";
import { mkdirp } from "../platform/files.js";
import { instancePath } from "../client/run-path.js";

registerCommand({
  words: ["keyring", "add"],
  usage: "keyring add",
  summary: "create a new identity in the keyring (the first one is the node's primary SID)",
  run() {
    mkdirp(instancePath(), 0o755);
    const { identity } = addIdentity(keyringPath());
    print(`sid:${toHex(identity.sid)}\nidentity:${toHex(identity.signPublic)}\n`);
    return 0;
  },
});

registerCommand({
  words: ["keyring", "list"],
  usage: "keyring list",
  summary: "list the identities in the keyring (sid:identity:did:name)",
  run() {
    const ids = readKeyring(keyringPath());
    print(table(["sid", "identity", "did", "name"], ids.map((i) => [toHex(i.sid), toHex(i.signPublic), "", ""])));
    return 0;
  },
});
