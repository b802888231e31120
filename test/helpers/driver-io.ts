// A fake DriverIo for the daemon's driving loop (src/daemon/mesh-driver.ts):
// a settable clock, timers fired in order by advance(), transmissions and
// client messages recorded, logs kept as "level text".
import type { DriverIo } from "../../src/daemon/mesh-driver.js";
import type { CoreTransmit } from "../../src/daemon/mesh-core.js";

export class FakeDriverIo implements DriverIo {
  t = 1000;
  timers: { at: number; fn: () => void; id: number }[] = [];
  nextId = 1;
  sent: CoreTransmit[] = [];
  sendRc = 0;
  clientRc = 0;
  toClients: [string, Uint8Array][] = [];
  logs: string[] = [];
  now() { return this.t; }
  setTimeout(fn: () => void, ms: number) { const id = this.nextId++; this.timers.push({ at: this.t + ms, fn, id }); return id; }
  clearTimeout(h: unknown) { this.timers = this.timers.filter((x) => x.id !== h); }
  transmit(t: CoreTransmit) { if (this.sendRc < 0) return this.sendRc; this.sent.push(t); return 0; }
  sendToClient(to: string, d: Uint8Array) { if (this.clientRc < 0) return this.clientRc; this.toClients.push([to, d]); return 0; }
  debug(m: string) { this.logs.push("debug " + m); }
  info(m: string) { this.logs.push("info " + m); }
  warn(m: string) { this.logs.push("warn " + m); }
  /** Advance the clock, firing due timers in order. */
  advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
  }
}
