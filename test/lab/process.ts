// A process started inside a lab namespace: output captured, exit observable,
// killed (by pid) on lab cleanup.
import type { ChildProcess } from "node:child_process";
import { sleep } from "./sys";

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const MAX_CAPTURE = 16 << 20;

export class LabProcess {
  /** Captured output (first 16 MiB of each stream). */
  stdout = "";
  stderr = "";
  readonly pid: number;
  readonly exited: Promise<ExitStatus>;
  private exit: ExitStatus | undefined;
  private listeners: Array<() => void> = [];

  constructor(readonly node: string, readonly child: ChildProcess, echo: string | undefined) {
    if (child.pid === undefined) throw new Error(`lab: could not start a process in ${node}`);
    this.pid = child.pid;
    const take = (which: "stdout" | "stderr") => (d: Buffer) => {
      const s = d.toString("utf8");
      if (this[which].length < MAX_CAPTURE) this[which] += s;
      if (echo !== undefined) process.stderr.write(s.replace(/^(?=.)/gm, `[${echo} ${which}] `));
      this.notify();
    };
    child.stdout?.on("data", take("stdout"));
    child.stderr?.on("data", take("stderr"));
    this.exited = new Promise((res) => {
      child.on("error", () => { this.exit ??= { code: null, signal: null }; this.notify(); res(this.exit); });
      child.on("close", (code, signal) => { this.exit ??= { code, signal }; this.notify(); res(this.exit); });
    });
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  get exitStatus(): ExitStatus | undefined {
    return this.exit;
  }

  private notify(): void {
    for (const l of this.listeners.slice()) l();
  }

  /** Resolves with the first match of `pattern` in stdout (or stderr / both); rejects on timeout or exit. */
  waitFor(pattern: RegExp | string, opts: { timeoutMs?: number; stream?: "stdout" | "stderr" | "both" } = {}): Promise<RegExpMatchArray> {
    const re = typeof pattern === "string" ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : pattern;
    const stream = opts.stream ?? "both";
    const text = () => (stream === "stdout" ? this.stdout : stream === "stderr" ? this.stderr : `${this.stdout}\n${this.stderr}`);
    return new Promise((res, rej) => {
      const check = () => {
        const m = re.exec(text());
        if (m) done(() => res(m));
        else if (this.exit) done(() => rej(new Error(`lab: process ${this.pid} in ${this.node} exited (${JSON.stringify(this.exit)}) before ${re}; stderr: ${this.stderr.slice(-2000)}`)));
      };
      const timer = setTimeout(() => done(() => rej(new Error(`lab: timeout waiting for ${re} from process ${this.pid} in ${this.node}; stdout: ${this.stdout.slice(-1000)} stderr: ${this.stderr.slice(-1000)}`))), opts.timeoutMs ?? 10_000);
      const done = (f: () => void) => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== check);
        f();
      };
      this.listeners.push(check);
      check();
    });
  }

  /** Sends `signal` (default SIGTERM); after graceMs sends SIGKILL. Resolves when it has exited. */
  async kill(signal: NodeJS.Signals = "SIGTERM", graceMs = 2000): Promise<ExitStatus> {
    if (this.exit) return this.exit;
    try { process.kill(this.pid, signal); } catch { /* gone */ }
    const timeout = sleep(graceMs).then(() => "timeout" as const);
    if ((await Promise.race([this.exited, timeout])) === "timeout") {
      try { process.kill(this.pid, "SIGKILL"); } catch { /* gone */ }
    }
    return this.exited;
  }
}
