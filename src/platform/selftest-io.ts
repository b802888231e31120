// Small I/O helpers for the hidden crypto selftest (src/cli/selftest-crypto.ts):
// all of stdin as bytes, and process CPU time for benchmarks.
import * as os from "qjs:os";
import * as native from "serval:native";

/** Reads stdin to EOF (blocking; CLI test hooks only, never in the daemon). */
export function readStdin(): Uint8Array {
  let buf = new Uint8Array(1 << 16);
  let len = 0;
  for (;;) {
    if (len === buf.length) {
      const bigger = new Uint8Array(buf.length * 2);
      bigger.set(buf);
      buf = bigger;
    }
    const n = native.read(0, buf, len, buf.length - len);
    if (n === 0) return buf.subarray(0, len);
    if (n === -native.EAGAIN || n === -native.EINTR) {
      os.sleep(1);
      continue;
    }
    if (n < 0) throw new Error(`read stdin: ${native.strerror(-n)}`);
    len += n;
  }
}

/** Process CPU time in ms (quickjs-ng's os.cputime is in µs), or wall time if absent. */
export function cpuTimeMs(): number {
  const o = os as unknown as { cputime?: () => number };
  return o.cputime ? o.cputime() / 1000 : native.monotonicMs();
}
