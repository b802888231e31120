// rpcd ucode plugin: the `serval` ubus object (luci-app-serval).
//   ubus call serval status | peers | routes | tunnels
// Reads servald's own machine-readable output (`servald status --json`, the
// running daemon's counters, interfaces and tunnels with their open streams;
// `id self`, `id peers --json`, `route print --json`, `version`),
// /etc/config/serval and procd's `service list`. Field names are documented
// in openwrt/README.md ("ubus interface"). Errors are ubus status codes, never
// a trace: a servald that cannot be run or answers garbage gives
// UBUS_STATUS_UNKNOWN_ERROR (9) and one line in the log (logread -e serval).
// A stopped daemon is not an error: every method then answers with
// "running": false.
'use strict';

import { popen, readfile, access } from 'fs';
import { cursor } from 'uci';
import { connect } from 'ubus';

const PROG = '/usr/sbin/servald';
// The same paths the init script (/etc/init.d/servald) gives the daemon.
const ENV = 'SERVALINSTANCE_PATH=/etc/serval SERVAL_RUN_PATH=/var/run/serval ' +
	'SERVAL_CONFIG_FILE=/var/etc/serval/serval.conf';
const CONF_FILE = '/var/etc/serval/serval.conf';
const UNKNOWN_ERROR = 9;
const SID_RE = /^[0-9A-Fa-f]{64}$/;

// One syslog line (busybox logger, no shell), then the ubus error.
function fail(what) {
	system(['logger', '-t', 'rpcd', '-p', 'daemon.err', `serval: ${what}`]);
	exit(UNKNOWN_ERROR);
}

// Runs `servald ARGS` (fixed words only, never user input); { code, out }.
function servald(args) {
	if (!access(PROG, 'x'))
		return null;
	const p = popen(`${ENV} ${PROG} ${args} 2>/dev/null`, 'r');
	if (!p)
		return null;
	const out = p.read('all') ?? '';
	const code = p.close();
	return { code, out };
}

function servald_json(args) {
	const r = servald(args);
	if (!r)
		fail(`cannot run ${PROG} ${args}`);
	if (r.code != 0)
		return null;
	let v = null;
	try { v = json(r.out); } catch (e) { v = null; }
	if (type(v) != 'array')
		fail(`${PROG} ${args}: output is not a JSON array`);
	return v;
}

// `servald status --json`: one JSON object from the running daemon (exit 0),
// or exit 3 when it is not running. { installed, running, pid, st } with st
// the daemon's object (null when stopped).
function daemon_state() {
	const r = servald('status --json');
	if (!r)
		return { installed: false, running: false, pid: null, st: null };
	if (r.code == 3)
		return { installed: true, running: false, pid: null, st: null };
	if (r.code != 0)
		fail(`${PROG} status --json exited with status ${r.code}`);
	let v = null;
	try { v = json(r.out); } catch (e) { v = null; }
	if (type(v) != 'object' || v.running !== true)
		fail(`${PROG} status --json: output is not a status object`);
	return { installed: true, running: true, pid: v.pid, st: v };
}

function sum(list, key) {
	let n = 0;
	for (let x in list ?? [])
		n += +(x[key] ?? 0);
	return n;
}

function self_sids() {
	const r = servald('id self');
	if (!r || r.code != 0)
		return [];
	return filter(map(split(r.out, '\n'), (l) => uc(trim(l))), (l) => match(l, SID_RE));
}

function version() {
	const r = servald('version');
	if (!r || r.code != 0)
		return null;
	const m = match(r.out, /servald ([^\n]+)/);
	return m ? m[1] : null;
}

// Route records as `servald route print --json` writes them, with the field
// names kept: sid, flags, hops, interface, next_hop, prior_hop (sign_key dropped).
function route_rows(list) {
	return map(list, (r) => ({
		sid: r.sid,
		flags: r.flags,
		hops: r.hops,
		interface: r.interface,
		next_hop: r.next_hop,
		prior_hop: r.prior_hop,
	}));
}

function uci_list(v) {
	if (v == null) return [];
	return type(v) == 'array' ? v : split(trim(v), /\s+/);
}

// Devices the init script wrote into the daemon's config (interfaces.N.match).
function config_devices() {
	const conf = readfile(CONF_FILE);
	const out = [];
	if (conf)
		for (let line in split(conf, '\n')) {
			const m = match(line, /^interfaces\.[0-9]+\.match=(.*)$/);
			if (m) push(out, m[1]);
		}
	return out;
}

function procd_instances() {
	const bus = connect();
	if (!bus)
		return {};
	const res = bus.call('service', 'list', { name: 'servald' });
	bus.disconnect();
	return res?.servald?.instances ?? {};
}

function bool(v, dflt) {
	if (v == null) return dflt;
	if (v in ['1', 'on', 'true', 'yes', 'enabled']) return true;
	if (v in ['0', 'off', 'false', 'no', 'disabled']) return false;
	return null;
}

// The daemon's tunnel entry for a configured tunnel: by name (a tunnel the
// daemon runs itself registers under its section name), by the pid procd
// gave its instance, else by mode and ports. Marks the entry used.
function find_open(open, s, pid) {
	let hit = null;
	for (let t in open)
		if (!hit && !t.used && t.name != null && t.name == s['.name'])
			hit = t;
	for (let t in open)
		if (!hit && !t.used && pid != null && t.pid == pid)
			hit = t;
	for (let t in open)
		if (!hit && !t.used && t.mode == s.mode && t.mdp_port == +s.mdp_port && t.tcp_port == +s.tcp_port)
			hit = t;
	if (hit)
		hit.used = true;
	return hit;
}

function stream_fields(t) {
	return {
		streams: t ? t.streams : null,
		streams_total: t ? t.streams_total : null,
		bytes_in: t ? t.bytes_in : null,
		bytes_out: t ? t.bytes_out : null,
	};
}

// Configured tunnels (UCI) with their procd state and, from the daemon, their
// open streams; `other`: tunnels the daemon knows that are not configured
// (e.g. started by hand).
function tunnel_rows(st) {
	const ctx = cursor();
	const inst = procd_instances();
	const open = map(st?.tunnels ?? [], (t) => ({ ...t, used: false }));
	const rows = [];
	ctx.foreach('serval', 'tunnel', (s) => {
		const p = inst[`tunnel_${s['.name']}`];
		push(rows, {
			name: s['.name'],
			enabled: bool(s.enabled, true),
			mode: s.mode ?? null,
			mdp_port: s.mdp_port != null ? +s.mdp_port : null,
			tcp_port: s.tcp_port != null ? +s.tcp_port : null,
			sid: s.sid ? uc(s.sid) : null,
			service: s.service ?? null,
			once: bool(s.once, false),
			instance: p ? `tunnel_${s['.name']}` : null,
			running: p?.running ?? false,
			pid: p?.pid ?? null,
			...stream_fields(find_open(open, s, p?.pid)),
		});
	});
	const other = [];
	for (let t in open)
		if (!t.used)
			push(other, { name: t.name, mode: t.mode, mdp_port: t.mdp_port, tcp_port: t.tcp_port, sid: t.sid,
				service: t.service, pid: t.pid, ...stream_fields(t) });
	return { tunnels: rows, other };
}

const methods = {
	status: {
		call: function() {
			const d = daemon_state();
			const main = cursor().get_all('serval', 'main') ?? {};
			const inst = procd_instances();
			const st = d.st;
			const res = {
				installed: d.installed,
				running: d.running,
				pid: d.pid,
				uptime: st?.uptime ?? null,
				version: st?.version ?? (d.installed ? version() : null),
				enabled: bool(main.enabled, true),
				log_level: main.log_level ?? 'info',
				procd: inst.servald ? { running: inst.servald.running ?? false, pid: inst.servald.pid ?? null } : null,
				sid: null,
				sids: [],
				interfaces: uci_list(main.interface),
				devices: config_devices(),
				counters: { peers: 0, routes: 0, direct: 0, indirect: 0, tunnels: 0, tunnels_running: 0,
					neighbours: 0, open_streams: 0, packets_in: 0, packets_out: 0, bytes_in: 0, bytes_out: 0, dropped: 0 },
				// the daemon's own counters (servald status --json), null while it is stopped
				interface_stats: null,
				drops: null,
				mesh_counters: null,
				tables: null,
				clients: null,
			};
			if (d.running) {
				res.sids = self_sids();
				res.sid = st.sid ?? res.sids[0] ?? null;
				const c = res.counters, ifs = st.interfaces ?? [];
				c.neighbours = st.neighbours ?? 0;
				c.open_streams = sum(st.tunnels, 'streams');
				c.packets_in = sum(ifs, 'rx_packets');
				c.packets_out = sum(ifs, 'tx_packets');
				c.bytes_in = sum(ifs, 'rx_bytes');
				c.bytes_out = sum(ifs, 'tx_bytes');
				for (let k, v in st.drops ?? {})
					c.dropped += +v;
				res.interface_stats = ifs;
				res.drops = st.drops ?? {};
				res.mesh_counters = st.counters ?? {};
				res.tables = st.tables ?? {};
				res.clients = st.clients ?? {};
				const routes = servald_json('route print --json') ?? [];
				const peers = servald_json('id peers --json') ?? [];
				res.counters.routes = length(routes);
				res.counters.peers = length(peers);
				res.counters.direct = length(filter(peers, (r) => r.flags == 'UNICAST' || r.flags == 'BROADCAST'));
				res.counters.indirect = length(filter(peers, (r) => r.flags == 'INDIRECT'));
			}
			for (let k, v in inst)
				if (index(k, 'tunnel_') == 0) {
					res.counters.tunnels++;
					if (v.running) res.counters.tunnels_running++;
				}
			return res;
		}
	},
	peers: {
		call: function() {
			const d = daemon_state();
			return { running: d.running, peers: d.running ? route_rows(servald_json('id peers --json') ?? []) : [] };
		}
	},
	routes: {
		call: function() {
			const d = daemon_state();
			if (!d.running)
				return { running: false, self: [], routes: [] };
			return {
				running: true,
				self: self_sids(),
				routes: route_rows(servald_json('route print --json') ?? []),
			};
		}
	},
	tunnels: {
		call: function() {
			const d = daemon_state();
			const t = tunnel_rows(d.st);
			return { running: d.running, tunnels: t.tunnels, other: t.other };
		}
	},
};

return { serval: methods };
