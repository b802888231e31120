// MdpClientSockets (src/msp/mdp-client-socket.ts): the MdpSockets of one msp
// process as bindings on one shared client, against the real ClientServer
// over in-memory sockets that behave like connected ones (a restarted daemon
// refuses every old client socket with ECONNREFUSED).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { MdpClient } from "../../src/client/mdp-client.js";
import type { DgramTransport } from "../../src/client/transport.js";
import { ME, nodeClock, OneIdentityMesh, PEER } from "../helpers/client-fakes.js";
import { ClientServer } from "../../src/daemon/client-server.js";
import { MdpClientSockets } from "../../src/msp/mdp-client-socket.js";
import { MdpInbound } from "../../src/msp/mdp-socket.js";
import { SID_ANY } from "../../src/wire/types.js";
import { encodeMdpMessage, MDP_FLAG_CLOSE, MDP_LISTEN } from "../../src/wire/client-header.js";

const DAEMON = "/run/mdp.2.socket";
const AUTH = { cryptFlags: 0, qos: 0, ttl: 0 };

/** A daemon that can restart; each opened client is "connected" to the daemon generation it was opened under. */
function world() {
  const mesh = new OneIdentityMesh();
  let server = new ClientServer(mesh);
  let generation = 0;
  const clients = new Map<string, (d: Uint8Array, from: string) => void>();
  let opened = 0;
  let closed = 0;
  const pump = () => {
    for (let m = server.pollOutgoing(); m; m = server.pollOutgoing()) {
      const data = m.data, to = m.to;
      queueMicrotask(() => clients.get(to)?.(data, DAEMON));
    }
  };
  const open = (): MdpClient => {
    const name = `c${opened++}`;
    const gen = generation;
    const transport: DgramTransport = {
      send(_to, data, len = data.length) {
        if (gen !== generation) return -111;
        server.handleMessage(0, name, data.slice(0, len));
        pump();
        return 0;
      },
      setReceiver(cb) { clients.set(name, cb); },
      close() { clients.delete(name); closed++; },
    };
    return new MdpClient(transport, DAEMON, nodeClock, DAEMON);
  };
  return {
    mesh, open, pump,
    get server() { return server; },
    get opened() { return opened; },
    get closed() { return closed; },
    restart() { generation++; server = new ClientServer(mesh); },
  };
}

test("sockets are bindings on one client: sends from each port, delivery by port, close releases one binding, the last closes the client", async () => {
  const w = world();
  const sockets = new MdpClientSockets(w.open);
  const a = sockets.factory(), b = sockets.factory();
  const pa = await a.bind(SID_ANY, 0), pb = await b.bind(SID_ANY, 600);
  assert.is(w.opened, 1);
  assert.is(pb.port, 600);
  assert.ok(pa.port !== pb.port);
  assert.is(w.server.bindingCount(), 2);
  assert.ok(a.send({ sid: PEER, port: 9 }, new Uint8Array([1]), AUTH) && b.send({ sid: PEER, port: 9 }, new Uint8Array([2]), AUTH));
  assert.equal(w.mesh.sent.map((d) => [d.srcPort, d.payload[0]]), [[pa.port, 1], [600, 2]]);
  const got: string[] = [];
  a.onPacket((p: MdpInbound) => got.push(`a:${p.local.port}:${p.payload[0]}`));
  b.onPacket((p: MdpInbound) => got.push(`b:${p.local.port}:${p.payload[0]}`));
  w.server.deliver({ localSid: ME, localPort: 600, remoteSid: PEER, remotePort: 9, payload: new Uint8Array([7]), noCrypt: false, noSign: false, ttl: 3, qos: 3 });
  w.server.deliver({ localSid: ME, localPort: pa.port, remoteSid: PEER, remotePort: 9, payload: new Uint8Array([8]), noCrypt: false, noSign: false, ttl: 3, qos: 3 });
  w.pump();
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(got, ["b:600:7", `a:${pa.port}:8`]);
  assert.ok(a.alive() && b.alive(), "a keep-alive on a held binding is answered by silence");
  a.close();
  assert.is(w.server.bindingCount(), 1);
  assert.is(w.closed, 0);
  b.close();
  assert.is(w.closed, 1);
  assert.is(sockets.openClients, 0);
});

test("a restarted daemon: every binding of the old client is gone (once each), the next bind opens a new client", async () => {
  const w = world();
  const sockets = new MdpClientSockets(w.open);
  const a = sockets.factory(), b = sockets.factory();
  await a.bind(SID_ANY, 0);
  await b.bind(SID_ANY, 600);
  const gone: string[] = [];
  a.onGone(() => gone.push("a"));
  b.onGone(() => gone.push("b"));
  w.restart();
  assert.is(a.alive(), false);
  assert.equal(gone.sort(), ["a", "b"]);
  assert.is(b.send({ sid: PEER, port: 9 }, new Uint8Array([1]), AUTH), false);
  assert.is(b.alive(), false);
  assert.equal(gone.sort(), ["a", "b"], "reported once each");
  a.close();
  b.close();
  assert.is(w.closed, 1);
  const c = sockets.factory();
  assert.is((await c.bind(SID_ANY, 600)).port, 600);
  assert.is(w.opened, 2);
  assert.is(w.server.bindingCount(), 1);
});

test("a bind on a client whose daemon restarted unnoticed retries once on a new client", async () => {
  const w = world();
  const sockets = new MdpClientSockets(w.open);
  const a = sockets.factory();
  await a.bind(SID_ANY, 0);
  let aGone = false;
  a.onGone(() => { aGone = true; });
  w.restart();
  const b = sockets.factory();
  const pb = await b.bind(SID_ANY, 0);
  assert.ok(pb.port > 0);
  assert.is(w.opened, 2);
  assert.ok(aGone, "the old binding is reported gone");
  assert.ok(b.alive());
});

test("a keep-alive the daemon answers with ERROR (it lost that binding) makes only that socket gone", async () => {
  const w = world();
  const sockets = new MdpClientSockets(w.open);
  const a = sockets.factory(), b = sockets.factory();
  const pa = await a.bind(SID_ANY, 0);
  await b.bind(SID_ANY, 0);
  let aGone = false, bGone = false;
  a.onGone(() => { aGone = true; });
  b.onGone(() => { bGone = true; });
  // The daemon forgets a's binding (as after a CLOSE of that port).
  w.server.handleMessage(0, "c0", encodeMdpMessage({ localSid: ME, localPort: pa.port, remoteSid: SID_ANY, remotePort: MDP_LISTEN, flags: MDP_FLAG_CLOSE, qos: 0, ttl: 0 }));
  assert.ok(a.alive(), "sent; the answer comes later");
  await new Promise((r) => setTimeout(r, 5));
  assert.ok(aGone && !bGone);
  assert.ok(b.alive());
});

test.run();
