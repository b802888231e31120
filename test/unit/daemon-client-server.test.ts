import { test } from "uvu";
import * as assert from "uvu/assert";
import { ClientServer } from "../../src/daemon/client-server.js";
import type { ClientMesh, SendRequest } from "../../src/daemon/mesh-core.js";
import {
  decodeMdpHeader, encodeMdpMessage, MdpHeader, MDP_FLAG_BIND, MDP_FLAG_CLOSE, MDP_FLAG_ERROR, MDP_FLAG_NO_CRYPT,
  MDP_FLAG_NO_SIGN, MDP_HEADER_LEN, MDP_ROUTE_TABLE, MDP_SEARCH_IDS,
} from "../../src/wire/client-header.js";
import { decodeRouteRecord, REACHABLE_INDIRECT, REACHABLE_SELF, REACHABLE_UNICAST, RouteRecord } from "../../src/wire/client-header.js";

const ME = new Uint8Array(32).fill(0x11);
const ME2 = new Uint8Array(32).fill(0x12);
const PEER = new Uint8Array(32).fill(0x22);
const FAR = new Uint8Array(32).fill(0x33);
const ANY = new Uint8Array(32);
const ALL = new Uint8Array(32).fill(0xff);
const INTERNAL = (() => { const s = new Uint8Array(32); s[31] = 1; return s; })();

class FakeMesh implements ClientMesh {
  sent: SendRequest[] = [];
  bound: number[] = [];
  released: number[] = [];
  accept = true;
  identities() { return [ME, ME2]; }
  send(_now: number, d: SendRequest) { if (this.accept) this.sent.push(d); return this.accept; }
  routes(): RouteRecord[] {
    return [
      { sid: PEER, signKey: undefined, combined: false, reachable: REACHABLE_UNICAST, hopCount: 1, nextHop: undefined, priorHop: undefined, interfaceIndex: 0, interfaceState: 1, interfaceName: "vA" },
      { sid: FAR, signKey: undefined, combined: false, reachable: REACHABLE_INDIRECT, hopCount: 2, nextHop: PEER, priorHop: undefined, interfaceIndex: -1, interfaceState: 0, interfaceName: undefined },
    ];
  }
  interfaces() { return [{ index: 0, name: "vA" }]; }
  primarySignKey() { return new Uint8Array(32).fill(0x44); }
  portBound(p: number) { this.bound.push(p); }
  portReleased(p: number) { this.released.push(p); }
}

function hdr(p: Partial<MdpHeader>): MdpHeader {
  return { localSid: ANY, localPort: 0, remoteSid: ANY, remotePort: 0, flags: 0, qos: 0, ttl: 0, ...p };
}

function drain(s: ClientServer) {
  const out: { to: string; h: MdpHeader; payload: Uint8Array }[] = [];
  for (let m = s.pollOutgoing(); m; m = s.pollOutgoing()) {
    out.push({ to: m.to, h: decodeMdpHeader(m.data)!, payload: m.data.subarray(MDP_HEADER_LEN) });
  }
  return out;
}

function setup() {
  const mesh = new FakeMesh();
  return { mesh, s: new ClientServer(mesh) };
}

test("bind port 0 gets ephemeral 257, reply flags exactly BIND with primary SID filled in", () => {
  const { s, mesh } = setup();
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ flags: MDP_FLAG_BIND })));
  const r = drain(s);
  assert.is(r.length, 1);
  assert.is(r[0].to, "c1");
  assert.is(r[0].h.flags, MDP_FLAG_BIND);
  assert.is(r[0].h.localPort, 257);
  assert.equal(r[0].h.localSid, ME);
  assert.equal(mesh.bound, [257]);
  s.handleMessage(0, "c2", encodeMdpMessage(hdr({ flags: MDP_FLAG_BIND })));
  assert.is(drain(s)[0].h.localPort, 258);
});

test("binding a taken port from another client is an ERROR; rebinding own is a no-op", () => {
  const { s } = setup();
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localPort: 512, flags: MDP_FLAG_BIND })));
  assert.is(drain(s)[0].h.flags, MDP_FLAG_BIND);
  s.handleMessage(0, "c2", encodeMdpMessage(hdr({ localPort: 512, flags: MDP_FLAG_BIND })));
  assert.is(drain(s)[0].h.flags, MDP_FLAG_ERROR);
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localPort: 512, flags: MDP_FLAG_BIND })));
  assert.is(drain(s)[0].h.flags, MDP_FLAG_BIND);
  assert.is(s.bindingCount(), 1);
  // Same port on the second identity does not conflict.
  s.handleMessage(0, "c2", encodeMdpMessage(hdr({ localSid: ME2, localPort: 512, flags: MDP_FLAG_BIND })));
  assert.is(drain(s)[0].h.flags, MDP_FLAG_BIND);
});

test("ephemeral allocation skips bound ports", () => {
  const { s } = setup();
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localPort: 257, flags: MDP_FLAG_BIND })));
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localSid: ME2, localPort: 258, flags: MDP_FLAG_BIND })));
  drain(s);
  s.handleMessage(0, "c2", encodeMdpMessage(hdr({ flags: MDP_FLAG_BIND })));
  assert.is(drain(s)[0].h.localPort, 259);
});

test("unknown local SID is an ERROR", () => {
  const { s } = setup();
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localSid: PEER, localPort: 9, flags: MDP_FLAG_BIND })));
  assert.is(drain(s)[0].h.flags, MDP_FLAG_ERROR);
  assert.is(s.bindingCount(), 0);
});

test("send requires a binding; bound send reaches the mesh with crypt flags, default ttl", () => {
  const { s, mesh } = setup();
  const data = new Uint8Array([1, 2, 3]);
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localPort: 600, remoteSid: PEER, remotePort: 7 }), data));
  assert.is(drain(s)[0].h.flags, MDP_FLAG_ERROR);
  assert.is(mesh.sent.length, 0);
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localPort: 600, flags: MDP_FLAG_BIND })));
  drain(s);
  s.handleMessage(5, "c1", encodeMdpMessage(hdr({ localPort: 600, remoteSid: PEER, remotePort: 7, flags: MDP_FLAG_NO_SIGN }), data));
  assert.is(drain(s).length, 0, "sending is silent");
  assert.is(mesh.sent.length, 1);
  const d = mesh.sent[0];
  assert.equal(d.srcSid, ME);
  assert.is(d.srcPort, 600);
  assert.equal(d.dstSid, PEER);
  assert.is(d.dstPort, 7);
  assert.equal(d.payload, data);
  assert.is(d.noCrypt, false);
  assert.is(d.noSign, true);
  assert.is(d.ttl, 31);
  // Another client may not send from c1's port.
  s.handleMessage(0, "c2", encodeMdpMessage(hdr({ localPort: 600, remoteSid: PEER, remotePort: 7 }), data));
  assert.is(drain(s)[0].h.flags, MDP_FLAG_ERROR);
});

test("broadcast without NO_CRYPT is an ERROR; with NO_CRYPT it is sent to undefined destination", () => {
  const { s, mesh } = setup();
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localPort: 600, flags: MDP_FLAG_BIND })));
  drain(s);
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localPort: 600, remoteSid: ALL, remotePort: 7 }), new Uint8Array(12)));
  assert.is(drain(s)[0].h.flags, MDP_FLAG_ERROR);
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localPort: 600, remoteSid: ALL, remotePort: 7, flags: MDP_FLAG_NO_CRYPT }), new Uint8Array(12)));
  assert.is(drain(s).length, 0);
  assert.is(mesh.sent[0].dstSid, undefined);
  assert.is(mesh.sent[0].noCrypt, true);
});

test("ttl above 31 and a refused mesh send are ERRORs", () => {
  const { s, mesh } = setup();
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localPort: 600, flags: MDP_FLAG_BIND })));
  drain(s);
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localPort: 600, remoteSid: PEER, remotePort: 7, ttl: 40 })));
  assert.is(drain(s)[0].h.flags, MDP_FLAG_ERROR);
  mesh.accept = false;
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localPort: 600, remoteSid: PEER, remotePort: 7 })));
  assert.is(drain(s)[0].h.flags, MDP_FLAG_ERROR);
});

test("BIND and send in one message: bind reply first, then the datagram goes out; CLOSE unbinds after sending", () => {
  const { s, mesh } = setup();
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ remoteSid: PEER, remotePort: 7, flags: MDP_FLAG_BIND }), new Uint8Array(12)));
  const r = drain(s);
  assert.is(r.length, 1);
  assert.is(r[0].h.flags, MDP_FLAG_BIND);
  assert.is(mesh.sent.length, 1);
  assert.is(mesh.sent[0].srcPort, r[0].h.localPort);
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localPort: r[0].h.localPort, remoteSid: PEER, remotePort: 7, flags: MDP_FLAG_CLOSE }), new Uint8Array(1)));
  assert.is(mesh.sent.length, 2);
  assert.is(s.bindingCount(), 0);
  assert.equal(mesh.released, [r[0].h.localPort]);
});

test("unbind one binding with CLOSE; unbinding an unbound port is an ERROR", () => {
  const { s } = setup();
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localPort: 700, flags: MDP_FLAG_BIND })));
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localPort: 701, flags: MDP_FLAG_BIND })));
  drain(s);
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localPort: 700, flags: MDP_FLAG_CLOSE })));
  assert.is(drain(s).length, 0);
  assert.is(s.bindingCount(), 1);
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localPort: 700, flags: MDP_FLAG_CLOSE })));
  assert.is(drain(s)[0].h.flags, MDP_FLAG_ERROR);
});

test("goodbye (CLOSE, port 0) drops all of the client's bindings", () => {
  const { s, mesh } = setup();
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localPort: 700, flags: MDP_FLAG_BIND })));
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localPort: 701, flags: MDP_FLAG_BIND })));
  s.handleMessage(0, "c2", encodeMdpMessage(hdr({ localPort: 702, flags: MDP_FLAG_BIND })));
  drain(s);
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ flags: MDP_FLAG_CLOSE })));
  assert.is(drain(s).length, 0);
  assert.is(s.bindingCount(), 1);
  assert.equal(mesh.released.sort(), [700, 701]);
});

test("inbound unicast delivery: header local=(dst,port) remote=(src,port), crypt flags, ttl", () => {
  const { s } = setup();
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localPort: 512, flags: MDP_FLAG_BIND })));
  drain(s);
  const payload = new Uint8Array([9, 8, 7]);
  assert.ok(s.deliver({ localSid: ME, localPort: 512, remoteSid: PEER, remotePort: 300, payload, noCrypt: false, noSign: false, ttl: 29, qos: 3 }));
  const r = drain(s);
  assert.is(r.length, 1);
  assert.is(r[0].to, "c1");
  assert.equal(r[0].h.localSid, ME);
  assert.is(r[0].h.localPort, 512);
  assert.equal(r[0].h.remoteSid, PEER);
  assert.is(r[0].h.remotePort, 300);
  assert.is(r[0].h.flags, 0);
  assert.is(r[0].h.ttl, 29);
  assert.equal(r[0].payload, payload);
  // Plain, unsigned: both flags.
  s.deliver({ localSid: ME, localPort: 512, remoteSid: PEER, remotePort: 300, payload, noCrypt: true, noSign: true, ttl: 0, qos: 3 });
  assert.is(drain(s)[0].h.flags, MDP_FLAG_NO_CRYPT | MDP_FLAG_NO_SIGN);
  // Other identity or other port: nobody takes it.
  assert.not.ok(s.deliver({ localSid: ME2, localPort: 512, remoteSid: PEER, remotePort: 300, payload, noCrypt: false, noSign: false, ttl: 0, qos: 3 }));
  assert.not.ok(s.deliver({ localSid: ME, localPort: 513, remoteSid: PEER, remotePort: 300, payload, noCrypt: false, noSign: false, ttl: 0, qos: 3 }));
  assert.is(drain(s).length, 0);
  assert.ok(s.isPortBound(512));
});

test("inbound broadcast: local SID all-FF, delivered to every binding of the port", () => {
  const { s } = setup();
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localPort: 11, flags: MDP_FLAG_BIND })));
  s.handleMessage(0, "c2", encodeMdpMessage(hdr({ localSid: ME2, localPort: 11, flags: MDP_FLAG_BIND })));
  drain(s);
  assert.ok(s.deliver({ localSid: ALL, localPort: 11, remoteSid: PEER, remotePort: 300, payload: new Uint8Array(1), noCrypt: true, noSign: true, ttl: 30, qos: 3 }));
  const r = drain(s);
  assert.equal(r.map((x) => x.to).sort(), ["c1", "c2"]);
  for (const x of r) assert.equal(x.h.localSid, ALL);
});

test("BIND_ALL (all-FF local SID) bindings do receive unicasts to any local identity", () => {
  const { s } = setup();
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localSid: ALL, localPort: 44, flags: MDP_FLAG_BIND })));
  drain(s);
  assert.ok(s.deliver({ localSid: ME2, localPort: 44, remoteSid: PEER, remotePort: 1, payload: new Uint8Array(1), noCrypt: false, noSign: false, ttl: 0, qos: 3 }));
  assert.equal(drain(s)[0].h.localSid, ME2);
});

test("client gone: bindings dropped, queued messages to it discarded", () => {
  const { s } = setup();
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localPort: 512, flags: MDP_FLAG_BIND })));
  drain(s);
  s.deliver({ localSid: ME, localPort: 512, remoteSid: PEER, remotePort: 1, payload: new Uint8Array(1), noCrypt: false, noSign: false, ttl: 0, qos: 3 });
  s.clientGone("c1");
  assert.is(drain(s).length, 0);
  assert.is(s.bindingCount(), 0);
  assert.is(s.stats.deadClients, 1);
});

test("SEARCH_IDS lists identities then CLOSE", () => {
  const { s } = setup();
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ remotePort: MDP_SEARCH_IDS })));
  const r = drain(s);
  assert.is(r.length, 3);
  assert.equal(r[0].payload, ME);
  assert.equal(r[1].payload, ME2);
  assert.is(r[2].h.flags, MDP_FLAG_CLOSE);
  assert.is(r[2].payload.length, 0);
});

test("ROUTE_TABLE: self per interface, then routes, then CLOSE", () => {
  const { s } = setup();
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localSid: INTERNAL, localPort: MDP_ROUTE_TABLE, remotePort: MDP_ROUTE_TABLE })));
  const r = drain(s);
  assert.is(r.length, 4);
  const self = decodeRouteRecord(r[0].payload)!;
  assert.equal(self.sid, ME);
  assert.is(self.reachable, REACHABLE_SELF);
  assert.is(self.interfaceName, "vA");
  assert.ok(self.signKey);
  const peer = decodeRouteRecord(r[1].payload)!;
  assert.equal(peer.sid, PEER);
  assert.is(peer.reachable, REACHABLE_UNICAST);
  assert.is(peer.hopCount, 1);
  assert.is(peer.interfaceName, "vA");
  const far = decodeRouteRecord(r[2].payload)!;
  assert.is(far.reachable, REACHABLE_INDIRECT);
  assert.equal(far.nextHop, PEER);
  assert.is(far.priorHop, undefined);
  assert.is(r[3].h.flags, MDP_FLAG_CLOSE);
  assert.is(s.bindingCount(), 0);
});

test("unknown local command port is an ERROR; short messages are ignored", () => {
  const { s } = setup();
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ remotePort: 99 })));
  assert.is(drain(s)[0].h.flags, MDP_FLAG_ERROR);
  s.handleMessage(0, "c1", new Uint8Array(10));
  assert.is(drain(s).length, 0);
});

test("route monitor bound to SID_INTERNAL:5 gets change notifications", () => {
  const { s, mesh } = setup();
  s.handleMessage(0, "mon", encodeMdpMessage(hdr({ localSid: INTERNAL, localPort: MDP_ROUTE_TABLE, flags: MDP_FLAG_BIND })));
  assert.is(drain(s)[0].h.flags, MDP_FLAG_BIND);
  assert.equal(mesh.bound, [], "internal bindings do not claim a mesh port");
  s.notifyRouteChange(mesh.routes()[1]);
  const r = drain(s);
  assert.is(r.length, 1);
  assert.equal(decodeRouteRecord(r[0].payload)!.sid, FAR);
});

test("in-process bindings (daemon-hosted tunnels): same port space as clients, deliveries call the sink, no message", () => {
  const { s, mesh } = setup();
  const got: number[] = [];
  const sink = (d: { localPort: number }) => { got.push(d.localPort); };
  assert.is(s.bindLocal(ANY, 600, sink), 600);
  assert.equal(mesh.bound, [600]);
  // a client cannot take it, nor can a second in-process binding
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localPort: 600, flags: MDP_FLAG_BIND })));
  assert.is(drain(s)[0].h.flags, MDP_FLAG_ERROR);
  assert.is(s.bindLocal(ME, 600, () => undefined), -1);
  assert.is(s.bindLocal(PEER, 601, sink), -1, "not our SID");
  // port 0: the clients' ephemeral allocator
  const eph = s.bindLocal(ANY, 0, sink);
  assert.is(eph, 257);
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ flags: MDP_FLAG_BIND })));
  assert.is(drain(s)[0].h.localPort, 258);
  const d = { remoteSid: PEER, remotePort: 9, localSid: ME, localPort: 600, payload: new Uint8Array([1]), noCrypt: false, noSign: false, ttl: 30, qos: 1 };
  assert.is(s.deliver(d), true);
  assert.equal(got, [600]);
  assert.equal(drain(s), [], "nothing encoded for a socket");
  s.unbindLocal(600, sink);
  assert.equal(mesh.released, [600]);
  assert.is(s.deliver(d), false);
  s.handleMessage(0, "c1", encodeMdpMessage(hdr({ localPort: 600, flags: MDP_FLAG_BIND })));
  assert.is(drain(s)[0].h.flags, MDP_FLAG_BIND, "free again for clients");
});

test.run();
