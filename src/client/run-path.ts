// Where the client commands find the daemon and the keyring (docs/ARCHITECTURE.md,
// "Runtime paths and environment").
import { getenv } from "../platform/proc.js";

export function instancePath(): string {
  return getenv("SERVALINSTANCE_PATH") || "/etc/serval";
}

export function runPath(): string {
  return getenv("SERVAL_RUN_PATH") || getenv("SERVALINSTANCE_PATH") || "/var/run/serval";
}

export function keyringPath(): string {
  return `${instancePath().replace(/\/+$/, "")}/serval.keyring`;
}
