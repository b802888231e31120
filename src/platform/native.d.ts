// Ambient declarations for the modules the servald binary provides:
// our C shim (src/native/native.c) and the parts of quickjs-ng's qjs:std and
// qjs:os that src/platform uses. Only src/platform may import these.

declare module "serval:native" {
  /** A Uint8Array or ArrayBuffer; offsets are relative to the view. */
  export type Buf = Uint8Array | ArrayBuffer;
  /** Filled by unixRecvFrom: peer name ("\0..." abstract, "" unnamed). */
  export interface UnixFrom { name: string }
  export interface NativeInterface {
    name: string; index: number; addr: string; netmask: string; broadcast: string;
    up: boolean; running: boolean; loopback: boolean;
  }
  // Throwing calls raise Error("<call>: <strerror>") with an `errno` field.
  export function udpOpen(addr: string | number, port: number, flags: number, device: string | null): number;
  /** Hot path: returns bytes sent or -errno. */
  export function udpSendTo(fd: number, buf: Buf, off: number, len: number, addr: string | number, port: number): number;
  /** Hot path: every datagram waiting, in one call (src/native/native.c js_udp_recv_many): the
   * number received or -errno; `meta` (bytes of an Int32Array) gets [drained, skipped, then
   * offset, length, addr (host-order int32, bits of the uint32: ipv4.ts), port per datagram]; `skip` (same kind, or null): [n, addr, port...] dropped. */
  export function udpRecvMany(fd: number, buf: Uint8Array, off: number, len: number, meta: Uint8Array, skip: Uint8Array | null): number;
  /** A kernel socket filter dropping datagrams from the `skip` pairs (udpRecvMany's table) before
   * they are queued; null detaches it. 0 or -errno (e.g. no socket filters in the kernel). */
  export function udpFilterFrom(fd: number, skip: Uint8Array | null): number;
  export function tcpListen(addr: string | number, port: number, backlog: number): number;
  /** Returns the new fd or -errno. */
  export function tcpAccept(fd: number): number;
  /** Non-blocking: completion is signalled by writability, then sockError(). */
  export function tcpConnect(addr: string | number, port: number): number;
  export function sockError(fd: number): number;
  export function sockName(fd: number): { addr: string; port: number };
  /** Hot path: bytes read (0 = EOF) or -errno. */
  export function read(fd: number, buf: Buf, off: number, len: number): number;
  /** Hot path: bytes written (maybe fewer than len) or -errno. */
  export function write(fd: number, buf: Buf, off: number, len: number): number;
  export function shutdownWrite(fd: number): void;
  export function close(fd: number): void;
  export function unixDgramOpen(name: string): number;
  export function unixSendTo(fd: number, buf: Buf, off: number, len: number, name: string): number;
  export function unixRecvFrom(fd: number, buf: Buf, off: number, len: number, from: UnixFrom | null): number;
  /** 0 or -errno. Connected: only that socket may send to this one; write() then goes to it. */
  export function unixConnect(fd: number, name: string): number;
  export function interfaces(): NativeInterface[];
  /** A route netlink socket hearing of link and IPv4 address changes (throws when unavailable). */
  export function netlinkOpen(): number;
  /** Changes read until the socket is empty (1 when the kernel dropped some), or -errno. */
  export function netlinkDrain(fd: number): number;
  export function signalOpen(): number;
  export function signalRead(fd: number): number;
  export function monotonicMs(): number;
  export function randomBytes(buf: Buf, off: number, len: number): void;
  export function daemonize(logPath: string | null): number;
  export function getpid(): number;
  /** The engine's allocation counters (JS_ComputeMemoryUsage), in bytes / counts. */
  export function memoryUsage(): { malloc: number; used: number; count: number; objs: number; strings: number; arrays: number; bytecode: number; gcThreshold: number };
  /** 0 or -errno. */
  export function kill(pid: number, sig: number): number;
  export function chmod(path: string, mode: number): void;
  /** 0 or -errno. */
  export function unlink(path: string): number;
  export function mkdirs(path: string, mode: number): void;
  export function writeFileAtomic(path: string, data: string | Buf, mode: number): void;
  export function strerror(errno: number): string;
  export function utf8Encode(s: string): Uint8Array;
  export function utf8Decode(buf: Buf, off: number, len: number): string;
  export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean;
  /** openlog(ident, LOG_PID, LOG_DAEMON) */
  export function syslogOpen(ident: string): void;
  /** syslog(prio, "%s", text) */
  export function syslog(prio: number, text: string): void;
  export const LOG_DEBUG: number, LOG_INFO: number, LOG_WARNING: number, LOG_ERR: number;
  export const UDP_REUSEADDR: number, UDP_REUSEPORT: number, UDP_BROADCAST: number;
  export const EAGAIN: number, EINTR: number, ENOENT: number, ESRCH: number, EPIPE: number;
  export const ECONNREFUSED: number, ECONNRESET: number, ENOBUFS: number, ENOTCONN: number;
  export const SIGTERM: number, SIGINT: number, SIGHUP: number, SIGKILL: number;
  // instance lock, client-socket send buffer, stuck connected peers
  /** fd holding an exclusive flock on path (created 0644), or -errno (-EWOULDBLOCK: held elsewhere). */
  export function lockFile(path: string): number;
  /** Replaces the lock file's contents with "<pid>\n"; 0 or -errno. */
  export function lockWritePid(fd: number): number;
  /** SO_SNDBUF after asking for `want` bytes (SO_SNDBUFFORCE when allowed). */
  export function sendBuffer(fd: number, want: number): number;
  /** Bytes sent and not yet read by their receivers (SIOCOUTQ), or -errno. */
  export function sendQueued(fd: number): number;
  /** Names of sockets connected to fd's socket with unread datagrams; null without sock_diag. */
  export function unixBlockedPeers(fd: number): string[] | null;
  export const EWOULDBLOCK: number;
  export const engineVersion: string;
  // Crypto (src/native/crypto-js.c, our own C primitives): Uint8Array in, a new
  // Uint8Array out; wrong key/nonce sizes throw a TypeError.
  /** undefined for a small-order peer key (all-zero shared secret) */
  export function cryptoBoxBeforeNm(peerPublic: Uint8Array, mySecret: Uint8Array): Uint8Array | undefined;
  /** MAC(16) || ciphertext */
  export function cryptoBoxAfterNm(plain: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array;
  /** undefined when the MAC does not verify (or the box is shorter than 16 bytes) */
  export function cryptoBoxOpenAfterNm(boxed: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | undefined;
  /** nonce || MAC(16) || ciphertext: cryptoBoxAfterNm with the nonce in front, in one array. */
  export function cryptoSealAfterNm(plain: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array;
  export function cryptoSha512(message: Uint8Array): Uint8Array;
  /** undefined for a small-order point (all-zero result) */
  export function cryptoX25519(scalar: Uint8Array, point: Uint8Array): Uint8Array | undefined;
  export function cryptoX25519Base(scalar: Uint8Array): Uint8Array;
  /** 64-byte Ed25519 secret key: seed || public */
  export function cryptoSignSeedKeypair(seed: Uint8Array): Uint8Array;
  export function cryptoSignDetached(message: Uint8Array, signSecret: Uint8Array): Uint8Array;
  export function cryptoVerifyDetached(message: Uint8Array, signature: Uint8Array, signPublic: Uint8Array): boolean;
  /** crypto_sign_ed25519_pk_to_curve25519; undefined for an invalid or small-order key */
  export function cryptoSidFromSignKey(signPublic: Uint8Array): Uint8Array | undefined;
}

declare module "qjs:std" {
  export interface FILE {
    puts(s: string): void;
    printf(fmt: string, ...args: unknown[]): void;
    flush(): void;
    close(): number;
    getline(): string | null;
    readAsString(max?: number): string;
    fileno(): number;
  }
  export const out: FILE;
  export const err: FILE;
  export function exit(code: number): never;
  export function getenv(name: string): string | undefined;
  export function loadFile(path: string): string | null;
  export function loadFile(path: string, opts: { binary: true }): Uint8Array | null;
  export function open(path: string, mode: string): FILE | null;
  export function strerror(errno: number): string;
}

declare module "qjs:os" {
  export type TimerHandle = { readonly __timer: unique symbol };
  export function setTimeout(fn: () => void, ms: number): TimerHandle;
  export function clearTimeout(h: TimerHandle): void;
  export function setReadHandler(fd: number, fn: (() => void) | null): void;
  export function setWriteHandler(fd: number, fn: (() => void) | null): void;
  /** [stat, errno] */
  export function stat(path: string): [{ mode: number; size: number; mtime: number }, number];
  export function readdir(path: string): [string[], number];
  /** [target, errno] */
  export function readlink(path: string): [string, number];
  /** 0 or -errno */
  export function rename(from: string, to: string): number;
  export function remove(path: string): number;
  export function sleep(ms: number): void;
  /** [pid or 0 or -errno, status] */
  export function waitpid(pid: number, options: number): [number, number];
  export const WNOHANG: number;
  export function isatty(fd: number): boolean;
  export function now(): number;
  export const S_IFMT: number, S_IFDIR: number, S_IFREG: number;
  // bounded reads, the start-status pipe
  /** fd or -errno */
  export function open(path: string, flags: number, mode?: number): number;
  /** bytes read or -errno */
  export function read(fd: number, buf: ArrayBuffer, off: number, len: number): number;
  /** bytes written or -errno */
  export function write(fd: number, buf: ArrayBuffer, off: number, len: number): number;
  export function close(fd: number): number;
  /** [read fd, write fd], or null */
  export function pipe(): [number, number] | null;
  export const O_RDONLY: number;
}

/** Injected by build/bundle.mjs. */
declare const __SERVAL_BUILD_ID__: string;
declare const __SERVAL_VERSION__: string;
