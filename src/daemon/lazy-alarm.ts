// Periodic housekeeping that need not wake the process by itself (Serval DNA's
// alarms have an alarm time and a later deadline): due every `everyMs`, it runs
// at the first wakeup after that (a packet, a tick: the daemon calls poll()
// after each), and a timer wakes the process only if none came by `slackMs`
// later. A busy daemon then rescans its interfaces on a wakeup it had anyway
// instead of one of its own every 5 s. Pure: the timers are passed in.
import type { Clock } from "../platform/deadline-timer.js";

export class LazyAlarm {
  /** When the work is next due (it runs at the first poll() from then on). */
  private dueAt: number;
  private handle: unknown;
  private stopped = false;
  /** Runs so far, and how many of them the fallback timer woke (the rest rode on other wakeups). */
  runs = 0;
  timerRuns = 0;

  constructor(
    private readonly clock: Clock,
    private everyMs: number,
    private readonly slackMs: number,
    private readonly work: () => void,
  ) {
    this.dueAt = clock.now() + everyMs;
    this.armFallback();
  }

  /** Call on every wakeup: runs the work if it is due. Returns true if it ran. */
  poll(now: number = this.clock.now()): boolean {
    if (now < this.dueAt || this.stopped) return false;
    this.run(now, false);
    return true;
  }

  /** Run now (e.g. on a reload) and start the period again. */
  runNow(now: number = this.clock.now()): void {
    if (!this.stopped) this.run(now, false);
  }

  /** A new period, from now on. */
  setPeriod(everyMs: number, now: number = this.clock.now()): void {
    if (this.stopped) return;
    this.everyMs = everyMs;
    this.dueAt = now + everyMs;
    this.armFallback();
  }

  stop(): void {
    this.stopped = true;
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = undefined;
  }

  /** When the work is next due. */
  get nextAt(): number {
    return this.dueAt;
  }

  private run(now: number, byTimer: boolean): void {
    this.dueAt = now + this.everyMs;
    this.runs++;
    if (byTimer) this.timerRuns++;
    this.armFallback();
    this.work();
  }

  /** One timer, at the deadline: set when the period starts (once per run), not per wakeup. */
  private armFallback(): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = this.clock.setTimeout(() => {
      this.handle = undefined;
      if (!this.stopped) this.run(this.clock.now(), true);
    }, this.everyMs + this.slackMs);
  }
}
