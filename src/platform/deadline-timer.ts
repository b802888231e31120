// The clock the platform-free drivers are given, and the one timer each keeps
// re-armed for its core's next deadline (quinn's drive_timer). Pure: no qjs:*
// or serval:native import; the real clock is src/client/open.ts platformClock
// and the daemon's io in src/daemon/mesh-daemon.ts, tests pass fakes.
// Users: MeshDriver (src/daemon/mesh-driver.ts), MspDriver (src/msp/driver.ts).

/** Monotonic milliseconds and one-shot timers. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** One timer for a deadline: arm() moves it (a no-op when the deadline is
 * unchanged and still pending), Infinity disarms it. It fires onExpire once,
 * after the deadline (rounded up to whole ms: the platform's timers take whole
 * ms, and firing early would only wake the driver to re-arm). */
export class DeadlineTimer {
  private handle: unknown;
  private at = Number.POSITIVE_INFINITY;

  /** The platform timer's callback: one function for every arm (not a closure per arm). */
  private readonly expired = (): void => {
    this.handle = undefined;
    this.at = Number.POSITIVE_INFINITY;
    this.onExpire();
  };

  constructor(private readonly clock: Clock, private readonly onExpire: () => void) {}

  /** The deadline armed for (Infinity when idle). */
  get armedAt(): number { return this.at; }

  /** Arm for `at` (Infinity: disarm). Returns true if a platform timer was set. */
  arm(at: number, now: number = this.clock.now()): boolean {
    if (at === this.at && this.handle !== undefined) return false;
    this.stop();
    this.at = at;
    if (at === Number.POSITIVE_INFINITY) return false;
    this.handle = this.clock.setTimeout(this.expired, Math.max(0, Math.ceil(at - now)));
    return true;
  }

  stop(): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = undefined;
    this.at = Number.POSITIVE_INFINITY;
  }
}
