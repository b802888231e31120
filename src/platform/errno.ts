// Linux errno values the platform-free code compares with: the platform's
// calls return -errno (or throw with .errno), and the daemon, the client
// library and their Node tests all need the numbers without loading the
// native module. Pure: no qjs:* or serval:native import.
// The defaults are the generic Linux values (x86, ARM, most others). MIPS
// numbers some differently (ECONNREFUSED 146, ENOBUFS 132, ENOTCONN 134), so
// the servald entry (src/main.ts) replaces them at start with the build
// target's own, exported by the native module (useTargetErrno): otherwise a
// mips/mipsel daemon would not recognise a vanished client, nor a client a
// dead daemon. These are live bindings: importers see the replaced values.

export const EPERM = 1;
export let ENOENT = 2;
export let EAGAIN = 11;
export const EACCES = 13;
export let ENOBUFS = 105;
export let ENOTCONN = 107;
export let ECONNREFUSED = 111;

/** The target's numbers, from the native module (native.ECONNREFUSED, ...). */
export interface TargetErrno {
  readonly EAGAIN: number;
  readonly ENOENT: number;
  readonly ENOBUFS: number;
  readonly ENOTCONN: number;
  readonly ECONNREFUSED: number;
}

export function useTargetErrno(t: TargetErrno): void {
  EAGAIN = t.EAGAIN;
  ENOENT = t.ENOENT;
  ENOBUFS = t.ENOBUFS;
  ENOTCONN = t.ENOTCONN;
  ECONNREFUSED = t.ECONNREFUSED;
}
