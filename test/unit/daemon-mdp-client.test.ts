// The client library against the real ClientServer over an in-memory "socket".
import { test } from "uvu";
import * as assert from "uvu/assert";
import { MdpClient, MdpClientError, SID_BROADCAST } from "../../src/client/mdp-client.js";
import type { DgramTransport } from "../../src/client/transport.js";
import { ME, nodeClock, OneIdentityMesh, PEER } from "../helpers/client-fakes.js";
import { ClientServer } from "../../src/daemon/client-server.js";
import { MDP_SEARCH_IDS, encodeMdpMessage } from "../../src/wire/client-header.js";

const DAEMON = "\0run/mdp.2.socket";

function world(daemonUp = true, refuse = -111) {
  const mesh = new OneIdentityMesh();
  const server = new ClientServer(mesh);
  let recv: ((d: Uint8Array, from: string) => void) | undefined;
  const pump = () => {
    for (let m = server.pollOutgoing(); m; m = server.pollOutgoing()) {
      const data = m.data;
      queueMicrotask(() => recv?.(data, DAEMON));
    }
  };
  const transport: DgramTransport = {
    send(to, data, len = data.length) {
      if (!daemonUp || to !== DAEMON) return refuse;
      server.handleMessage(0, "c1", data.slice(0, len));
      pump();
      return 0;
    },
    setReceiver(cb) { recv = cb; },
    close() { recv = undefined; },
  };
  const client = new MdpClient(transport, DAEMON, nodeClock, "/run/mdp.2.socket");
  return { mesh, server, client, pump, inject: (d: Uint8Array, from: string) => recv?.(d, from) };
}

test("bind gets an ephemeral port and the primary SID", async () => {
  const { client } = world();
  const b = await client.bind();
  assert.is(b.port, 257);
  assert.equal(b.sid, ME);
});

test("bind resends while the daemon's socket is full (EAGAIN), as when 100 streams open at once", async () => {
  const w = world();
  let refusals = 3;
  const client = new MdpClient({
    send(_to, data) {
      if (refusals-- > 0) return -11;
      w.server.handleMessage(0, "c1", data.slice());
      w.pump();
      return 0;
    },
    setReceiver(cb) { w.client["transport"].setReceiver(cb); },
    close() {},
  }, DAEMON, nodeClock, "/run/mdp.2.socket");
  const b = await client.bind();
  assert.is(refusals, -1);
  assert.is(b.port, 257);
});

test("bind conflict rejects with daemon-error", async () => {
  const { client, server } = world();
  server.handleMessage(0, "other", encodeMdpMessage({ localSid: new Uint8Array(32), localPort: 600, remoteSid: new Uint8Array(32), remotePort: 0, flags: 4, qos: 0, ttl: 0 }));
  while (server.pollOutgoing());
  try {
    await client.bind(undefined, 600);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, MdpClientError);
    assert.is((e as MdpClientError).code, "daemon-error");
  }
});

test("send reaches the mesh; inbound delivery reaches recv(); strangers are ignored", async () => {
  const { client, mesh, server, pump, inject } = world();
  await client.bind();
  client.send(PEER, 7, new Uint8Array([1, 2]));
  assert.is(mesh.sent.length, 1);
  assert.is(mesh.sent[0].noCrypt, false);
  client.send(SID_BROADCAST, 7, new Uint8Array([1]));
  assert.is(mesh.sent[1].noCrypt, true, "broadcasts go plain");
  // A datagram claiming to be from the daemon but from another address is dropped.
  inject(encodeMdpMessage({ localSid: ME, localPort: 257, remoteSid: PEER, remotePort: 9, flags: 0, qos: 0, ttl: 0 }, new Uint8Array([66])), "\0evil");
  server.deliver({ localSid: ME, localPort: 257, remoteSid: PEER, remotePort: 7, payload: new Uint8Array([5]), noCrypt: false, noSign: false, ttl: 3, qos: 3 });
  pump();
  const d = await client.recv(1000);
  assert.ok(d);
  assert.equal(d!.payload, new Uint8Array([5]));
  assert.equal(d!.remoteSid, PEER);
  assert.is(d!.ttl, 3);
  assert.ok(d!.encrypted && d!.signed);
  assert.is(await client.recv(30), undefined);
});

test("datagrams not from the daemon's address are dropped and counted, with one callback for the first", async () => {
  const { client, inject } = world();
  await client.bind();
  const seen: string[] = [];
  client.onForeign = (from) => seen.push(from);
  const fake = encodeMdpMessage({ localSid: ME, localPort: 257, remoteSid: PEER, remotePort: 9, flags: 0, qos: 0, ttl: 0 }, new Uint8Array([66]));
  for (let i = 0; i < 400; i++) inject(fake, i % 2 ? "\0evil" : "");
  assert.is(client.foreignDropped, 400);
  assert.equal(seen, [""]);
  assert.is(await client.recv(30), undefined, "none was delivered");
});

test("local command collects replies until CLOSE", async () => {
  const { client } = world();
  const ids = await client.command(MDP_SEARCH_IDS);
  assert.equal(ids, [ME]);
});

test("absent daemon: clear 'servald is not running' error", async () => {
  const { client } = world(false);
  try {
    await client.bind();
    assert.unreachable();
  } catch (e) {
    assert.is((e as Error).message, "servald is not running (no socket at /run/mdp.2.socket)");
  }
});

test("socket owned by another user: clear permission error", async () => {
  const { client } = world(false, -13);
  try {
    await client.bind();
    assert.unreachable();
  } catch (e) {
    assert.is((e as MdpClientError).code, "permission");
    assert.match((e as Error).message, /only the user running servald may use it/);
  }
});

test("close says goodbye: the daemon drops our bindings", async () => {
  const { client, server } = world();
  await client.bind();
  assert.is(server.bindingCount(), 1);
  client.close();
  assert.is(server.bindingCount(), 0);
});

test.run();
