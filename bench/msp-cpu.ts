// CPU of the MSP connection path alone (no endpoint, no sockets, no MDP): two
// MspConnections move 6 x 8 MB through a link with 5% loss and 15% of packets
// 30 ms late, half the runs with the receiver's selective-ack hints stripped
// (Serval-style acks: duplicate acks, NewReno, timeouts). Platform-neutral:
// bench/msp-cpu.sh runs it under quickjs-ng, as on the routers, main against a
// change. Prints packets and a checksum of the outcome, which must not differ
// between two trees whose behaviour is the same.
import { MspConnection } from "../src/msp/connection";
import { prng } from "../test/helpers/prng";

const RUN_BYTES = 8_000_000;
const LOSS = 0.05;
const LATE = 0.15;

/** One direction of the link, FIFO (a late packet goes to its own queue). */
class Queue {
  readonly at: number[] = [];
  readonly payload: Uint8Array[] = [];
  head = 0;
}

function run(seed: number, hintless: boolean): { got: number; packets: number; now: number } {
  const r = prng(seed);
  const a = new MspConnection(0, "connect");
  let b: MspConnection | undefined;
  const qs = [new Queue(), new Queue(), new Queue(), new Queue()]; // to B, to B late, to A, to A late
  let now = 0;
  let written = 0;
  let got = 0;
  let packets = 0;
  const data = new Uint8Array(RUN_BYTES);
  const send = (toB: boolean, p: Uint8Array): void => {
    packets++;
    if (r() < LOSS) return;
    if (hintless && !toB && p.length === 4) p = p.subarray(0, 3); // an ack with a hint, less its hint
    const late = r() < LATE;
    const q = qs[(toB ? 0 : 2) + (late ? 1 : 0)];
    q.at.push(now + (late ? 40 : 10));
    q.payload.push(p);
  };
  const drain = (): void => {
    if (written < RUN_BYTES) written += a.write(data.subarray(written));
    if (written >= RUN_BYTES) a.shutdown(now);
    for (let p = a.pollTransmit(now); p; p = a.pollTransmit(now)) send(true, p);
    if (b) {
      for (let d = b.read(); d; d = b.read()) { got += d.length; b.consume(d.length, now); }
      if (b.remoteShutdown) b.shutdown(now);
      for (let p = b.pollTransmit(now); p; p = b.pollTransmit(now)) send(false, p);
    }
  };
  drain();
  for (;;) {
    let next = Math.min(a.pollTimeout() ?? Infinity, b?.pollTimeout() ?? Infinity);
    for (const q of qs) if (q.head < q.at.length && q.at[q.head] < next) next = q.at[q.head];
    if (next === Infinity || next > 600_000) break;
    if (!a.isOpen && b && !b.isOpen) break;
    now = next;
    for (let i = 0; i < 4; i++) {
      const q = qs[i];
      while (q.head < q.at.length && q.at[q.head] <= now) {
        const p = q.payload[q.head++];
        if (i < 2) {
          if (!b) b = new MspConnection(now, "accept");
          b.handlePacket(now, p);
        } else a.handlePacket(now, p);
      }
    }
    a.handleTimeout(now);
    b?.handleTimeout(now);
    drain();
  }
  return { got, packets, now };
}

let packets = 0;
let check = 0;
for (const hintless of [false, true]) {
  for (let seed = 1; seed <= 3; seed++) {
    const x = run(seed, hintless);
    packets += x.packets;
    check = (check * 31 + x.now + x.got) % 1e9;
  }
}
console.log(`packets ${packets} check ${check.toFixed(3)}`);
