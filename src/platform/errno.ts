// Linux errno values the platform-free code compares with: the platform's
// calls return -errno (or throw with .errno), and the daemon, the client
// library and their Node tests all need the numbers without loading the
// native module. Pure: no qjs:* or serval:native import.
// These are the generic Linux values (x86, ARM, most others). MIPS numbers
// some differently (ECONNREFUSED 146, ENOBUFS 132, ENOTCONN 134); the native
// module exports the build target's own (native.EAGAIN, native.ECONNREFUSED, ...).

export const EPERM = 1;
export const ENOENT = 2;
export const EAGAIN = 11;
export const EACCES = 13;
export const ENOBUFS = 105;
export const ENOTCONN = 107;
export const ECONNREFUSED = 111;
