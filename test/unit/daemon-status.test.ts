// `servald status --json` without I/O: the tunnel table (reports, expiry,
// bounds, daemon-hosted tunnels), the DAEMON_STATUS / TUNNEL_REPORT local
// commands of the client server, the status JSON's worst-case size, and the
// tunnel process's reporter with a fake clock and client.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ClientServer } from "../../src/daemon/client-server.js";
import type { ClientMesh } from "../../src/daemon/mesh-core.js";
import {
  decodeMdpHeader, encodeMdpMessage, MdpHeader, MDP_FLAG_CLOSE, MDP_FLAG_ERROR, MDP_HEADER_LEN, MDP_DAEMON_STATUS,
  MDP_TUNNEL_REPORT, REACHABLE_UNICAST, RouteRecord,
} from "../../src/wire/client-header.js";
import {
  decodeTunnelReport, encodeTunnelReport, REPORT_EXPIRE_MS, REPORT_INTERVAL_MS, TUNNEL_TABLE_MAX, TunnelStatus, TunnelTable,
} from "../../src/daemon/tunnel-table.js";
import { STATUS_MAX_BYTES, STATUS_NEIGHBOURS_MAX, statusJson, StatusInput } from "../../src/daemon/status.js";
import { TunnelReporter } from "../../src/client/tunnel-report.js";
import { MdpClient } from "../../src/client/mdp-client.js";
import type { DgramTransport } from "../../src/client/transport.js";
import type { Clock } from "../../src/platform/deadline-timer.js";
import { FakeDriverIo } from "../helpers/driver-io.js";

const enc = (s: string) => new TextEncoder().encode(s);
const ME = new Uint8Array(32).fill(0x11);
const ANY = new Uint8Array(32);

const listenWeb: TunnelStatus = {
  mode: "listen", mdpPort: 80, tcpPort: 8080, service: "web", pid: 4242, streams: 2, streamsTotal: 5, bytesIn: 100, bytesOut: 2000,
};

test("a tunnel report round-trips; malformed or oversized reports are refused", () => {
  assert.equal(decodeTunnelReport(enc(encodeTunnelReport(listenWeb))), listenWeb);
  const sid = "AB".repeat(32);
  const conn: TunnelStatus = { mode: "connect", mdpPort: 80, tcpPort: 8080, sid, pid: 1, streams: 0, streamsTotal: 0, bytesIn: 0, bytesOut: 0 };
  assert.equal(decodeTunnelReport(enc(encodeTunnelReport(conn))), conn);
  const bad = [
    "", "null", "[]", "{", '{"mode":"listen"}',
    encodeTunnelReport({ ...listenWeb, mdpPort: 0 }),
    encodeTunnelReport({ ...listenWeb, tcpPort: 70000 }),
    encodeTunnelReport({ ...listenWeb, streams: -1 }),
    encodeTunnelReport({ ...listenWeb, bytesIn: 1.5 }),
    encodeTunnelReport({ ...listenWeb, service: "a b" }),
    encodeTunnelReport({ ...listenWeb, service: "x".repeat(65) }),
    encodeTunnelReport({ ...conn, sid: "ab".repeat(32) }),
    encodeTunnelReport(listenWeb).replace('"listen"', '"both"'),
    encodeTunnelReport(listenWeb).replace('"web"', '"w\\u00e9b"'),
    '{"mode":"listen","mdp_port":80,"tcp_port":1,"pid":1,"streams":0,"streams_total":0,"bytes_in":0,"bytes_out":0,"pad":"' + "x".repeat(512) + '"}',
  ];
  for (const b of bad) assert.is(decodeTunnelReport(enc(b)), undefined, b.slice(0, 80));
  assert.is(decodeTunnelReport(new Uint8Array([0x7b, 0x0a, 0x7d])), undefined); // control bytes
});

test("tunnel table: reports replace per client, expire, are bounded; hosted tunnels are read live", () => {
  const t = new TunnelTable();
  assert.ok(t.report(0, "c1", enc(encodeTunnelReport(listenWeb))));
  assert.ok(t.report(10, "c1", enc(encodeTunnelReport({ ...listenWeb, streams: 3 }))));
  assert.is(t.size, 1);
  assert.is(t.list(20)[0].streams, 3);
  let streams = 7;
  t.host("daemon:ssh_in", () => ({ name: "ssh_in", mode: "listen", mdpPort: 22, tcpPort: 22, streams, streamsTotal: 9, bytesIn: 1, bytesOut: 2 }));
  streams = 8;
  const l = t.list(20);
  assert.equal(l.map((x) => [x.name, x.mdpPort, x.streams]), [["ssh_in", 22, 8], [undefined, 80, 3]], "hosted first, read live");
  assert.not.ok(t.report(30, "daemon:ssh_in", enc(encodeTunnelReport(listenWeb))), "a client cannot take a hosted key");
  // expiry: the reported entry goes, the hosted one stays
  assert.is(t.list(10 + REPORT_EXPIRE_MS).length, 2);
  assert.is(t.list(11 + REPORT_EXPIRE_MS).length, 1);
  assert.is(t.stats.expired, 1);
  t.remove("daemon:ssh_in");
  assert.is(t.size, 0);
  // bounded
  for (let i = 0; i < TUNNEL_TABLE_MAX; i++) assert.ok(t.report(100_000, `c${i}`, enc(encodeTunnelReport({ ...listenWeb, mdpPort: 1000 + i }))));
  assert.not.ok(t.report(100_000, "one-more", enc(encodeTunnelReport(listenWeb))));
  assert.is(t.stats.fullDrops, 1);
  assert.ok(t.report(100_001, "c3", enc(encodeTunnelReport(listenWeb))), "a known client still updates when full");
  t.host("daemon:x", () => listenWeb);
  assert.is(t.size, TUNNEL_TABLE_MAX + 1, "hosted tunnels always fit");
});

class Mesh implements ClientMesh {
  identities() { return [ME]; }
  send() { return true; }
  routes(): RouteRecord[] { return []; }
  interfaces() { return []; }
  primarySignKey() { return undefined; }
}

function hdr(p: Partial<MdpHeader>): MdpHeader {
  return { localSid: ANY, localPort: 0, remoteSid: ANY, remotePort: 0, flags: 0, qos: 0, ttl: 0, ...p };
}

function drain(s: ClientServer) {
  const out: { to: string; h: MdpHeader; payload: Uint8Array }[] = [];
  for (let m = s.pollOutgoing(); m; m = s.pollOutgoing()) out.push({ to: m.to, h: decodeMdpHeader(m.data)!, payload: m.data.subarray(MDP_HEADER_LEN) });
  return out;
}

test("client server: TUNNEL_REPORT fills the table silently (ERROR when refused); goodbye drops the entry", () => {
  const s = new ClientServer(new Mesh());
  s.handleMessage(0, "tun1", encodeMdpMessage(hdr({ remotePort: MDP_TUNNEL_REPORT }), enc(encodeTunnelReport(listenWeb))));
  assert.equal(drain(s), [], "no reply to a good report");
  assert.is(s.tunnels.list(1).length, 1);
  s.handleMessage(1, "tun2", encodeMdpMessage(hdr({ remotePort: MDP_TUNNEL_REPORT }), enc("{}")));
  const r = drain(s);
  assert.is(r.length, 1);
  assert.is(r[0].to, "tun2");
  assert.is(r[0].h.flags, MDP_FLAG_ERROR);
  s.handleMessage(2, "tun1", encodeMdpMessage(hdr({ flags: MDP_FLAG_CLOSE })));
  assert.is(s.tunnels.list(3).length, 0);
  s.handleMessage(4, "tun3", encodeMdpMessage(hdr({ remotePort: MDP_TUNNEL_REPORT }), enc(encodeTunnelReport(listenWeb))));
  s.clientGone("tun3");
  assert.is(s.tunnels.size, 0, "a client found gone loses its entry");
});

test("client server: DAEMON_STATUS answers in chunks then CLOSE; ERROR without a status source", () => {
  const s = new ClientServer(new Mesh());
  s.handleMessage(0, "cli", encodeMdpMessage(hdr({ remotePort: MDP_DAEMON_STATUS })));
  assert.equal(drain(s).map((m) => m.h.flags), [MDP_FLAG_ERROR]);
  const json = JSON.stringify({ running: true, pad: "z".repeat(2500) });
  s.onStatus = () => enc(json);
  s.handleMessage(0, "cli", encodeMdpMessage(hdr({ remotePort: MDP_DAEMON_STATUS })));
  const r = drain(s);
  assert.equal(r.map((m) => [m.to, m.h.flags, m.payload.length]), [["cli", 0, 1024], ["cli", 0, 1024], ["cli", 0, json.length - 2048], ["cli", MDP_FLAG_CLOSE, 0]]);
  assert.is(r.map((m) => new TextDecoder().decode(m.payload)).join(""), json);
});

function worstCase(): StatusInput {
  const counters: Record<string, number> = {};
  for (let i = 0; i < 40; i++) counters[`someCounterNumber${i}`] = Number.MAX_SAFE_INTEGER;
  const routes: RouteRecord[] = [];
  for (let i = 0; i < 1024; i++) {
    const sid = new Uint8Array(32).fill(i & 0xff);
    routes.push({ sid, signKey: undefined, combined: false, reachable: REACHABLE_UNICAST, hopCount: 1, nextHop: undefined, priorHop: undefined, interfaceIndex: 0, interfaceState: 1, interfaceName: "x".repeat(15) });
  }
  const big = Number.MAX_SAFE_INTEGER;
  const tunnels: TunnelStatus[] = [];
  for (let i = 0; i < 200; i++) {
    tunnels.push({ name: "n".repeat(64), mode: "connect", mdpPort: 0xffffffff, tcpPort: 65535, service: "s".repeat(64), sid: "F".repeat(64), pid: 0x7fffffff, streams: big, streamsTotal: big, bytesIn: big, bytesOut: big });
  }
  return {
    version: "0.1.0-long-version-string", pid: 0x7fffffff, uptime: big, identities: [ME, ME, ME],
    interfaces: Array.from({ length: 16 }, (_, i) => ({ index: i, name: "x".repeat(15), address: "255.255.255.255:65535", broadcast: "255.255.255.255:65535", counters: { rxPackets: big, rxBytes: big, txPackets: big, txBytes: big, txFailed: big } })),
    routes,
    core: { counters, tables: { neighbours: { size: big, max: big }, subscribers: { size: big, max: big } } },
    daemon: { foreign_subnet: big, daemon_send_failed: big, client_send_failed: big },
    clients: { clients: big, bindings: big, held: big, dropped: big, stuck: big, errors: big, dead: big, anonymous: big },
    tunnels, tunnelTable: { size: big, reports: big, badReports: big, fullDrops: big, expired: big },
  };
}

test("status JSON: lists are bounded (all counted) and the worst case stays under STATUS_MAX_BYTES", () => {
  const j = statusJson(worstCase());
  assert.is((j.neighbour_list as unknown[]).length, STATUS_NEIGHBOURS_MAX);
  assert.is(j.neighbours, 1024);
  assert.is((j.tunnels as unknown[]).length, TUNNEL_TABLE_MAX);
  assert.is(j.tunnels_total, 200);
  const n = JSON.stringify(j).length;
  assert.ok(n <= STATUS_MAX_BYTES, `${n} bytes`);
});

test("status JSON: drops by reason come from the overlay's counters and the daemon's", () => {
  const j = statusJson({
    ...worstCase(), routes: [], tunnels: [listenWeb],
    core: { counters: { packetsDropped: 3, noRouteDrops: 4, framesIn: 9 }, tables: {} },
    daemon: { foreign_subnet: 5 },
    clients: { clients: 1, bindings: 2, held: 0, dropped: 6, stuck: 0, errors: 0, dead: 0, anonymous: 0 },
  });
  const drops = j.drops as Record<string, number>;
  assert.is(drops.malformed_packets, 3);
  assert.is(drops.no_route, 4);
  assert.is(drops.foreign_subnet, 5);
  assert.is(drops.client_queue_full, 6);
  assert.is(drops.crypto_failures, 0);
  assert.equal(j.counters, { packets_dropped: 3, no_route_drops: 4, frames_in: 9 });
  assert.equal(j.tunnels, [{ name: null, mode: "listen", mdp_port: 80, tcp_port: 8080, service: "web", sid: null, pid: 4242, hosted: false, streams: 2, streams_total: 5, bytes_in: 100, bytes_out: 2000 }]);
});

/** The daemon tests' fake clock and timers (a Clock; advance() fires them in order). */
function fakeClock(): Clock & { io: FakeDriverIo; advance(ms: number): void } {
  const io = new FakeDriverIo();
  return { io, now: () => io.now(), setTimeout: (fn, ms) => io.setTimeout(fn, ms), clearTimeout: (h) => io.clearTimeout(h), advance: (ms) => io.advance(ms) };
}

test("tunnel reporter: at start, on a stream count change (rate-limited), every interval; goodbye on stop; a new socket after the daemon went away", () => {
  const clock = fakeClock();
  const server = new ClientServer(new Mesh());
  let up = true;
  let opened = 0;
  const open = () => {
    const name = `rep${opened++}`;
    const t: DgramTransport = {
      send: (_to, data, len) => {
        if (!up) return -111; // ECONNREFUSED
        server.handleMessage(clock.now(), name, data.slice(0, len));
        return 0;
      },
      setReceiver: () => {},
      close: () => {},
    };
    return new MdpClient(t, "daemon", clock, "daemon");
  };
  const counts = { streams: 0, streamsTotal: 0, bytesIn: 0, bytesOut: 0 };
  const r = new TunnelReporter(open, clock, { mode: "listen", mdpPort: 80, tcpPort: 8080, service: "web", pid: 7 }, () => counts);
  r.start();
  assert.is(r.sent, 1);
  assert.is(server.tunnels.list(clock.now())[0].streams, 0);
  counts.streams = 1; counts.streamsTotal = 1;
  r.changed();
  assert.is(r.sent, 1, "within MIN_GAP of the last report: deferred");
  clock.advance(250);
  assert.is(r.sent, 2);
  assert.is(server.tunnels.list(clock.now())[0].streams, 1);
  counts.bytesIn = 500;
  r.changed();
  assert.is(r.sent, 2, "bytes alone wait for the heartbeat");
  clock.advance(REPORT_INTERVAL_MS);
  assert.is(r.sent, 3);
  assert.is(server.tunnels.list(clock.now())[0].bytesIn, 500);
  up = false;
  clock.advance(REPORT_INTERVAL_MS);
  assert.is(r.sent, 3);
  up = true;
  clock.advance(REPORT_INTERVAL_MS);
  assert.is(r.sent, 4);
  assert.is(opened, 2, "a new client socket after the daemon was gone");
  assert.is(server.tunnels.size, 2, "(the old socket's entry waits for its expiry)");
  clock.advance(REPORT_EXPIRE_MS - REPORT_INTERVAL_MS);
  assert.is(server.tunnels.list(clock.now()).length, 1);
  r.stop();
  assert.is(server.tunnels.size, 0, "stop says goodbye: the entry is gone");
  assert.is(clock.io.timers.length, 0, "no timer left");
});

test.run();
