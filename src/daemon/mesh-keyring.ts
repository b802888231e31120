// The keyring file in the instance directory: loaded by the daemon and the
// keyring commands. Created owner-only on first use; a damaged file is an
// error that stops the caller, never silently replaced.
import * as os from "qjs:os";
import type { Identity } from "../crypto/types.js";
import { generateIdentity } from "../crypto/identity.js";
import { decodeKeyring, encodeKeyring } from "../keyring/keyring-file.js";
import { chmod, exists, readBytes, writeAtomic } from "../platform/files.js";
import { randomBytes } from "../platform/proc.js";
import { nativeIdentityPrimitives } from "../platform/native-crypto.js";

export class KeyringLoadError extends Error {}

/** Identities in the keyring (primary first); [] when the file does not exist. */
export function readKeyring(path: string): Identity[] {
  if (!exists(path)) return [];
  const bytes = readBytes(path);
  if (!bytes) throw new KeyringLoadError(`cannot read keyring ${path}`);
  const r = decodeKeyring(bytes, nativeIdentityPrimitives());
  if (!r.ok) {
    throw new KeyringLoadError(`keyring ${path} is damaged (${r.error.message}); not replacing it: restore it from a backup or move it away to create a new identity`);
  }
  // Secrets: keep the file owner-only even if someone loosened it.
  const [st, err] = os.stat(path);
  if (err === 0 && (st.mode & 0o077) !== 0) chmod(path, 0o600);
  return r.identities;
}

/** Adds a new random identity and writes the file (0600, atomically). */
export function addIdentity(path: string): { identity: Identity; all: Identity[] } {
  const all = readKeyring(path);
  const identity = generateIdentity(randomBytes, nativeIdentityPrimitives());
  all.push(identity);
  writeAtomic(path, encodeKeyring(all), 0o600);
  return { identity, all };
}

/** The daemon's identities: the existing keyring, or a new one with one identity. */
export function loadOrCreateKeyring(path: string): { identities: Identity[]; created: boolean } {
  const ids = readKeyring(path);
  if (ids.length > 0) return { identities: ids, created: false };
  return { identities: addIdentity(path).all, created: true };
}
