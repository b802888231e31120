// Whole-file helpers. Writes are atomic (temp file, fsync, rename) and
// owner-only by default: config and keyring hold secrets.
import * as os from "qjs:os";
import * as std from "qjs:std";
import * as native from "serval:native";

/** File contents as UTF-8 text, or null when it cannot be read. */
export function readText(path: string): string | null {
  return std.loadFile(path);
}

/** File contents as bytes, or null when it cannot be read. */
export function readBytes(path: string): Uint8Array | null {
  return std.loadFile(path, { binary: true });
}

/** Atomically replaces path with data (mode default 0600). Throws "rename: ..." etc. */
export function writeAtomic(path: string, data: string | Uint8Array, mode = 0o600): void {
  native.writeFileAtomic(path, data, mode);
}

/** Size in bytes, or null when path cannot be stat'ed. */
export function fileSize(path: string): number | null {
  const [st, err] = os.stat(path);
  return err === 0 ? st.size : null;
}

/** rename(2); 0 or -errno. */
export function rename(from: string, to: string): number {
  return os.rename(from, to);
}

export function exists(path: string): boolean {
  return os.stat(path)[1] === 0;
}

export function isDirectory(path: string): boolean {
  const [st, err] = os.stat(path);
  return err === 0 && (st.mode & os.S_IFMT) === os.S_IFDIR;
}

/** mkdir -p (mode default 0755). */
export function mkdirp(path: string, mode = 0o755): void {
  native.mkdirs(path, mode);
}

/** Removes a file; true if it existed. */
export function remove(path: string): boolean {
  return native.unlink(path) === 0;
}

export function chmod(path: string, mode: number): void {
  native.chmod(path, mode);
}

/** Target of a symbolic link, or null. */
export function readlink(path: string): string | null {
  const [target, err] = os.readlink(path);
  return err === 0 ? target : null;
}
