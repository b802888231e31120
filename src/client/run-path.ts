// Where the client commands find the daemon and the keyring: the same
// environment rules as the daemon (src/daemon/paths.ts, docs/ARCHITECTURE.md
// "Runtime paths and environment").
import { instancePaths } from "../daemon/paths.js";
import { getenv } from "../platform/proc.js";

export function instancePath(): string {
  return instancePaths(getenv).instance;
}

export function runPath(): string {
  return instancePaths(getenv).run;
}

export function keyringPath(): string {
  return instancePaths(getenv).keyring;
}
