// Process facts and control: args, environment, pid, signals to others,
// daemonising, secure random bytes, UTF-8 (no TextEncoder in quickjs).
import * as os from "qjs:os";
import * as std from "qjs:std";
import * as native from "serval:native";

/** Command-line arguments after the program name. */
export function args(): string[] {
  const g = globalThis as unknown as { scriptArgs?: string[] };
  return (g.scriptArgs ?? []).slice(1);
}

export function getenv(name: string): string | undefined {
  return std.getenv(name);
}

export function pid(): number {
  return native.getpid();
}

/** Sends sig (see SIG below); returns 0 or -errno (-ESRCH: no such process). */
export function kill(pid: number, sig: number): number {
  return native.kill(pid, sig);
}

/** True if a process with this pid exists (signal 0). */
export function alive(pid: number): boolean {
  const r = native.kill(pid, 0);
  return r === 0 || r !== -native.ESRCH;
}

export const SIG = {
  TERM: native.SIGTERM, INT: native.SIGINT, HUP: native.SIGHUP, KILL: native.SIGKILL,
} as const;

/** fork + setsid: returns the child's pid in the parent, 0 in the child
 *  (stdio on /dev/null, stderr appended to logPath when given). */
export function daemonize(logPath: string | null): number {
  return native.daemonize(logPath);
}

export function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  native.randomBytes(b, 0, n);
  return b;
}

export function fillRandom(b: Uint8Array): void {
  native.randomBytes(b, 0, b.length);
}

export function utf8Encode(s: string): Uint8Array {
  return native.utf8Encode(s);
}

export function utf8Decode(b: Uint8Array): string {
  return native.utf8Decode(b, 0, b.length);
}

/** Writes text to stdout (no newline added). Block-buffered when stdout is
 *  not a terminal: bulk output stays cheap; see printFlush. */
export function print(text: string): void {
  std.out.puts(text);
}

/** Writes buffered stdout through now. */
export function flushStdout(): void {
  std.out.flush();
}

/** print + flush: for lines read while the command still runs (`mdp ping` through a pipe). */
export function printFlush(text: string): void {
  std.out.puts(text);
  std.out.flush();
}

export const engineVersion: string = native.engineVersion;

/** Writes text to stderr (no newline added). */
export function printErr(text: string): void {
  std.err.puts(text);
  std.err.flush();
}

/** True once our child process `pid` has exited (reaps it). */
export function childExited(pid: number): boolean {
  const [r] = os.waitpid(pid, os.WNOHANG);
  return r === pid || r < 0;
}

/** Blocks the whole process for ms milliseconds (CLI waits only, never in the daemon). */
export function sleepMs(ms: number): void {
  os.sleep(ms);
}
