// Connection events, polled by the application (edge-triggered).

export type MspEvent =
  /** The peer answered (connector), or the connection was accepted. */
  | "connected"
  /** In-order data became readable; read()/consume() until read() returns undefined. */
  | "readable"
  /** write() returned short earlier and send buffer space is free again. */
  | "writable"
  /** The peer's SHUTDOWN was reached: it will send no more data (ours may continue). */
  | "remote-shutdown"
  /** Both directions finished and everything was acknowledged. */
  | "closed-gracefully"
  /** STOP received or sent. */
  | "closed-suddenly"
  /** Nothing heard for config.timeoutMs. */
  | "timed-out";

/** FIFO without per-shift array copying. */
export class EventQueue {
  private items: MspEvent[] = [];
  private head = 0;

  push(e: MspEvent): void {
    this.items.push(e);
  }

  shift(): MspEvent | undefined {
    if (this.head >= this.items.length) {
      if (this.head) { this.items.length = 0; this.head = 0; }
      return undefined;
    }
    return this.items[this.head++];
  }
}
