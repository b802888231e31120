// A virtual clock for sans-I/O drivers (the Clock of src/platform/deadline-timer.ts): timers run in time
// order (then creation order) when a test steps the clock.

export class FakeClock {
  t = 0;
  private timers: { at: number; n: number; fn: () => void; dead: boolean }[] = [];
  private n = 0;
  now(): number { return this.t; }
  setTimeout(fn: () => void, ms: number): unknown {
    const h = { at: this.t + ms, n: this.n++, fn, dead: false };
    this.timers.push(h);
    return h;
  }
  clearTimeout(h: unknown): void { (h as { dead: boolean }).dead = true; }
  /** Runs the next timer due at or before `end`; false when there is none. */
  step(end: number): boolean {
    this.timers = this.timers.filter((x) => !x.dead);
    if (this.timers.length === 0) return false;
    this.timers.sort((a, b) => a.at - b.at || a.n - b.n);
    if (this.timers[0]!.at > end) return false;
    const x = this.timers.shift()!;
    this.t = Math.max(this.t, x.at);
    x.fn();
    return true;
  }
}
