// File and process helpers for the daemon's start/stop (issue 13): the
// instance lock, bounded reads (config files), directory listing (stale temp
// files), the pipe a starting daemon reports its failure through (the log may
// be on a full disk), and errno names for resource errors.
import * as os from "qjs:os";
import * as native from "serval:native";

/** fd holding an exclusive flock on path, or -errno (-EWOULDBLOCK when another process holds it). */
export function lockFile(path: string): number {
  return native.lockFile(path);
}

export const EWOULDBLOCK: number = native.EWOULDBLOCK;

/** Writes our pid into the lock file; 0 or -errno. */
export function lockWritePid(fd: number): number {
  return native.lockWritePid(fd);
}

/** Up to `max` bytes of a file and its full size; null with the errno when it cannot be read. */
export function readBytesMax(path: string, max: number): { bytes: Uint8Array; size: number } | { errno: number } {
  const fd = os.open(path, os.O_RDONLY);
  if (fd < 0) return { errno: -fd };
  try {
    const buf = new ArrayBuffer(max);
    let n = 0;
    while (n < max) {
      const r = os.read(fd, buf, n, max - n);
      if (r < 0) return { errno: -r };
      if (r === 0) break;
      n += r;
    }
    const [st] = os.stat(path);
    return { bytes: new Uint8Array(buf, 0, n), size: Math.max(n, st?.size ?? n) };
  } finally {
    os.close(fd);
  }
}

/** Names in a directory (without . and ..), or [] when it cannot be read. */
export function listDir(path: string): string[] {
  const [names, err] = os.readdir(path);
  return err === 0 ? names.filter((n) => n !== "." && n !== "..") : [];
}

/** A pipe: [read fd, write fd]. */
export function openPipe(): [number, number] {
  const p = os.pipe();
  if (!p) throw new Error("pipe: cannot create");
  return p;
}

export function closeFd(fd: number): void {
  os.close(fd);
}

/** Writes text to fd (best effort: errors ignored). */
export function writeFd(fd: number, text: string): void {
  const b = native.utf8Encode(text);
  const copy = b.slice().buffer;
  for (let off = 0; off < copy.byteLength;) {
    const r = os.write(fd, copy, off, copy.byteLength - off);
    if (r <= 0) return;
    off += r;
  }
}

/** Everything readable from fd until end of file (blocking), as text (at most 64 KB). */
export function readFdText(fd: number): string {
  const max = 65536;
  const buf = new ArrayBuffer(max);
  let n = 0;
  while (n < max) {
    const r = os.read(fd, buf, n, max - n);
    if (r <= 0) break;
    n += r;
  }
  return native.utf8Decode(buf, 0, n);
}

const NAMES: Record<number, string> = {
  1: "EPERM", 2: "ENOENT", 5: "EIO", 12: "ENOMEM", 13: "EACCES", 17: "EEXIST", 20: "ENOTDIR", 21: "EISDIR",
  23: "ENFILE", 24: "EMFILE", 28: "ENOSPC", 30: "EROFS", 36: "ENAMETOOLONG", 98: "EADDRINUSE", 122: "EDQUOT",
};

/** "No space left on device (ENOSPC)" for an errno. */
export function errnoText(errno: number): string {
  const name = NAMES[errno];
  return `${native.strerror(errno)}${name ? ` (${name})` : ""}`;
}

/** The errno an Error from the native module carries, if any. */
export function errnoOf(e: unknown): number | undefined {
  const n = (e as { errno?: unknown } | null)?.errno;
  return typeof n === "number" && n > 0 ? n : undefined;
}
