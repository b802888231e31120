// CPU of a RELAY's forwarding path alone (issue 11): three MeshNodes a - r - b
// in the deterministic SimNet (no sockets, no crypto on the data: plain
// datagrams), a sends RELAY_CPU_FRAMES datagrams of 1 000 bytes (2 per ms) to b
// through r, b answers every 8th with a short one (as MSP acks), each link loses
// RELAY_CPU_LOSS of its packets (default 0). Only the time spent inside r's
// handlePacket / handleTimeout / pollTransmit is counted. Platform-neutral:
// bench/relay-cpu.sh runs it under quickjs-ng, as on the routers, main
// against this tree. Prints r's counters, which must not differ between two
// trees whose behaviour is the same, and r's microseconds per forwarded frame.
import { SimNet, type SimNode } from "../test/helpers/simnet";

const FRAMES = Number((globalThis as { RELAY_CPU_FRAMES?: number }).RELAY_CPU_FRAMES ?? 20_000);
const LOSS = Number((globalThis as { RELAY_CPU_LOSS?: number }).RELAY_CPU_LOSS ?? 0);

function run(loss: number): { us: number; forwarded: number; summary: string } {
  const net = new SimNet({ seed: 7 });
  const [a, r, b] = net.line(["a", "r", "b"], loss, 1);
  for (const n of [a, r, b]) net.start(n);
  net.runFor(5_000);
  if (net.hops(a, b) !== 2) throw new Error(`relay-cpu: no 2-hop route a -> b after 5 s (${net.hops(a, b)})`);
  b.node.bind(undefined, 512);
  a.node.bind(undefined, 512);
  let spent = 0;
  const rn = r.node;
  const timed = <T extends unknown[], R>(fn: (...x: T) => R) => function relayCall(...x: T): R {
    const t0 = performance.now();
    try {
      return fn(...x);
    } finally {
      spent += performance.now() - t0;
    }
  };
  rn.handlePacket = timed(rn.handlePacket.bind(rn));
  rn.handleTimeout = timed(rn.handleTimeout.bind(rn));
  rn.pollTransmit = timed(rn.pollTransmit.bind(rn));
  // a hash of every byte r sends: a change that only saves CPU leaves it alone
  let hash = 0;
  net.tap = (from, _to, bytes) => {
    if (from !== r) return;
    let h = hash ^ bytes.length;
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
    hash = h;
  };
  const payload = new Uint8Array(1000);
  const ack = new Uint8Array(16);
  let sent = 0;
  let seenAtB = 0;
  const send = (from: SimNode, to: SimNode, p: Uint8Array) => net.send(from, {
    dstSid: to.identity.sid, dstPort: 512, srcPort: 512, payload: p, noCrypt: true, noSign: true,
  });
  const endAt = net.time + 600_000;
  while (seenAtB < FRAMES && net.time < endAt) {
    // 2 frames per ms (~16 Mbit/s, what the x86 tunnel moves over 3 hops), a's
    // queue at most 48 frames deep (as a client held back by the daemon)
    for (let k = 0; k < 2 && sent < FRAMES && a.node.queuedFrames < 48; k++) {
      payload[0] = sent & 0xff;
      send(a, b, payload);
      sent++;
    }
    net.runFor(1);
    for (let i = 0; i < b.inbox.length; i++) if ((++seenAtB & 7) === 0) send(b, a, ack);
    b.inbox.length = 0;
    a.inbox.length = 0;
  }
  const st = rn.stats;
  return {
    us: spent * 1000, forwarded: st.framesForwarded,
    summary: `bytes ${(hash >>> 0).toString(16)} in ${st.packetsIn} out ${st.packetsOut} fwd ${st.framesForwarded} retx ${st.retransmissions} acks ${st.acksSent} t ${net.time.toFixed(0)}`,
  };
}

const res = run(LOSS);
console.log(`relay-cpu ${FRAMES} frames, loss ${LOSS}: r ${res.summary}; r ${(res.us / 1000).toFixed(0)} ms, ${(res.us / Math.max(1, res.forwarded)).toFixed(1)} us per forwarded frame`);
