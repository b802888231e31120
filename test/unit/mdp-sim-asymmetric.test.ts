// Asymmetric links (issue 18): links heard only one way, or only for one kind
// of packet, as Serval DNA's `single_filter` routing test builds them. Loss is
// at the receiver, per direction and per kind (SimNet.dropAt), like the nft
// rules of the namespace test.
//  - One link, S drops broadcasts and P drops unicast: each end hears the
//    other only one way for one kind of packet. The link must stay up for
//    60 s and be used the way that works (P -> S unicast, S -> P broadcast).
//  - A triangle where one side of a link never hears the other: traffic must
//    go around through the third node.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SimNet, sameBytes, type SimNode } from "../helpers/simnet";
import { decodePacket } from "../../src/wire/packet";
import { SidBook } from "../helpers/sid-book";
import { REACHABLE_BROADCAST, REACHABLE_INDIRECT, REACHABLE_NONE, REACHABLE_UNICAST } from "../../src/mdp/routing";

const PORT = 99;

function route(from: SimNode, to: SimNode) {
  return from.node.routes().find((r) => sameBytes(r.sid, to.identity.sid));
}

function reach(from: SimNode, to: SimNode): number {
  return route(from, to)?.reachable ?? REACHABLE_NONE;
}

/** One datagram from `a` to `b`'s bound port; was it delivered within `ms`? */
function delivered(net: SimNet, a: SimNode, b: SimNode, tag: number, ms = 2000): boolean {
  const before = b.inbox.length;
  const r = net.send(a, { srcPort: 500, dstSid: b.identity.sid, dstPort: PORT, payload: Uint8Array.of(tag) });
  assert.ok(r.ok);
  const t = net.runUntilTrue(() => b.inbox.slice(before).some((d) => d.payload[0] === tag && sameBytes(d.remoteSid, a.identity.sid)), ms);
  return t !== undefined;
}

/** S drops incoming broadcasts, P drops incoming unicast (Serval DNA's single_filter). */
function singleFilter(seed: number): { net: SimNet; s: SimNode; p: SimNode } {
  const net = new SimNet({ seed });
  const [p, s] = net.line(["P", "S"]);
  net.dropAt(s, { kind: "broadcast" });
  net.dropAt(p, { kind: "unicast" });
  s.node.bind(undefined, PORT);
  p.node.bind(undefined, PORT);
  net.start(p);
  net.start(s);
  return { net, s, p };
}

test("SimNet.dropAt: per-receiver, per-kind, per-direction loss", () => {
  const net = new SimNet({ seed: 3 });
  const [a, b] = net.line(["A", "B"]);
  const kinds = new Map<string, number>();
  net.tap = (from, to) => {
    const k = `${from.name}->${to.startsWith("bcast@") ? "bcast" : "uni"}`;
    kinds.set(k, (kinds.get(k) ?? 0) + 1);
  };
  const rule = net.dropAt(b, { kind: "broadcast", from: a });
  net.start(a);
  net.start(b);
  net.runFor(5000);
  // Everything A broadcast to B was dropped, nothing else.
  assert.ok((kinds.get("A->bcast") ?? 0) > 0);
  assert.is(net.ruleDropped, kinds.get("A->bcast"));
  net.undropAt(rule);
  const was = net.ruleDropped;
  net.runFor(2000);
  assert.is(net.ruleDropped, was);
});

test("single_filter: S drops broadcasts, P drops unicast: the link stays up for 60 s, used the way that works", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const { net, s, p } = singleFilter(seed);
    // Which kind of packet carries each direction's datagrams (counted at the sender).
    const out = { pUni: 0, pBcast: 0, sUni: 0, sBcast: 0 };
    const up = net.runUntilTrue(() => net.hasRoute(s, p) && net.hasRoute(p, s), 10_000);
    assert.ok(up !== undefined, `seed ${seed}: no route within 10 s`);
    let tag = 0;
    for (const at of [1000, 4000, 10_000, 20_000, 30_000, 45_000, 60_000]) {
      if (net.time < at) net.runUntil(at);
      // P hears S only by broadcast: S sends to P by broadcast. S hears P only by unicast.
      assert.is(reach(p, s), REACHABLE_UNICAST, `seed ${seed} t=${net.time}: P's route to S`);
      assert.is(reach(s, p), REACHABLE_BROADCAST, `seed ${seed} t=${net.time}: S's route to P`);
      net.tap = (from, to, bytes) => {
        if (!decodePacket(bytes, new SidBook()).frames.some((f) => f.ciphered)) return; // ticks and ACKs; datagrams are ciphered
        const b = to.startsWith("bcast@");
        if (from === p) { if (b) out.pBcast++; else out.pUni++; } else if (b) out.sBcast++; else out.sUni++;
      };
      assert.ok(delivered(net, s, p, ++tag), `seed ${seed} t=${net.time}: S -> P`);
      assert.ok(delivered(net, p, s, ++tag), `seed ${seed} t=${net.time}: P -> S`);
      net.tap = undefined;
    }
    assert.ok(out.pUni > 0 && out.sBcast > 0, JSON.stringify(out));
    assert.is(out.pBcast, 0, `P sent datagrams by broadcast: ${JSON.stringify(out)}`);
    assert.is(out.sUni, 0, `S sent datagrams by unicast: ${JSON.stringify(out)}`);
    assert.is(s.node.stats.peerRestarts + p.node.stats.peerRestarts, 0);
  }
});

test("single_filter with 20% random loss on top: still up after 60 s", () => {
  for (const seed of [11, 12, 13]) {
    const { net, s, p } = singleFilter(seed);
    net.links[0].loss = 0.2;
    net.runUntil(60_000);
    assert.is(reach(p, s), REACHABLE_UNICAST, `seed ${seed}`);
    assert.is(reach(s, p), REACHABLE_BROADCAST, `seed ${seed}`);
    // At 20% loss a single datagram can miss its per-hop deadline: allow one retry.
    assert.ok(delivered(net, s, p, 1, 4000) || delivered(net, s, p, 2, 4000), `seed ${seed}: S -> P`);
    assert.ok(delivered(net, p, s, 3, 4000) || delivered(net, p, s, 4, 4000), `seed ${seed}: P -> S`);
  }
});

test("triangle with a one-way link: C never hears A; A<->C goes through B both ways", () => {
  for (const seed of [21, 22, 23]) {
    const net = new SimNet({ seed });
    const a = net.addNode("A"), b = net.addNode("B"), c = net.addNode("C");
    // One broadcast domain: everyone is in range of everyone, except that C
    // hears nothing from A (either kind). A still hears C.
    net.link("abc", [a, b, c]);
    net.dropAt(c, { from: a });
    for (const n of [a, b, c]) { n.node.bind(undefined, PORT); net.start(n); }
    const t = net.runUntilTrue(() => reach(a, c) === REACHABLE_INDIRECT && reach(c, a) === REACHABLE_INDIRECT, 15_000);
    assert.ok(t !== undefined, `seed ${seed}: A<->C not INDIRECT via B: A sees C ${reach(a, c)}, C sees A ${reach(c, a)}`);
    for (const at of [10_000, 30_000, 60_000]) {
      if (net.time < at) net.runUntil(at);
      assert.is(reach(a, c), REACHABLE_INDIRECT, `seed ${seed} t=${net.time}`);
      assert.ok(sameBytes(route(a, c)!.nextHop, b.identity.sid));
      assert.is(reach(c, a), REACHABLE_INDIRECT, `seed ${seed} t=${net.time}`);
      assert.ok(sameBytes(route(c, a)!.nextHop, b.identity.sid));
      assert.ok(delivered(net, a, c, 1), `seed ${seed} t=${net.time}: A -> C`);
      assert.ok(delivered(net, c, a, 2), `seed ${seed} t=${net.time}: C -> A`);
    }
  }
});

test("triangle with one-way broadcast only: C hears A's unicast but not its broadcasts; A<->C stays up", () => {
  for (const seed of [31, 32, 33]) {
    const net = new SimNet({ seed });
    const a = net.addNode("A"), b = net.addNode("B"), c = net.addNode("C");
    net.link("abc", [a, b, c]);
    net.dropAt(c, { from: a, kind: "broadcast" });
    for (const n of [a, b, c]) { n.node.bind(undefined, PORT); net.start(n); }
    net.runUntil(60_000);
    // Either direct (A -> C unicast, C -> A any) or around through B: but reachable, and delivering.
    assert.ok(reach(a, c) !== REACHABLE_NONE && reach(c, a) !== REACHABLE_NONE, `seed ${seed}: ${reach(a, c)} ${reach(c, a)}`);
    assert.ok(delivered(net, a, c, 1), `seed ${seed}: A -> C`);
    assert.ok(delivered(net, c, a, 2), `seed ${seed}: C -> A`);
  }
});

test.run();
