'use strict';
'require view';
'require rpc';
'require poll';
'require dom';

// Services -> Serval Mesh -> Status: this node, the daemon's counters
// (packets and bytes per interface, drops by reason, table sizes), the mesh as
// an SVG picture, neighbours and routes, tunnels with their open streams;
// refreshed every 5 s (LuCI's poll).
// Data from the rpcd plugin `serval` (ubus call serval status|routes|tunnels).

var callStatus = rpc.declare({ object: 'serval', method: 'status' });
var callRoutes = rpc.declare({ object: 'serval', method: 'routes' });
var callTunnels = rpc.declare({ object: 'serval', method: 'tunnels' });

var SVGNS = 'http://www.w3.org/2000/svg';

function shortSid(sid) {
	return sid ? String(sid).substring(0, 8) + '…' : '-';
}

// A short SID prefix; the full SID on hover (title) and selectable to copy.
function sidCell(sid) {
	if (!sid)
		return E('span', {}, '-');
	return E('code', { 'class': 'serval-sid', 'title': sid, 'data-sid': sid }, shortSid(sid));
}

function fmtUptime(s) {
	if (s == null) return '-';
	var d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
	return (d ? d + 'd ' : '') + (d || h ? h + 'h ' : '') + m + 'm ' + (s % 60) + 's';
}

function fmtBytes(n) {
	if (n == null) return '-';
	if (n < 1024) return n + ' B';
	if (n < 1048576) return (n / 1024).toFixed(1) + ' KiB';
	return (n / 1048576).toFixed(1) + ' MiB';
}

function th(text) { return E('th', { 'class': 'th' }, text); }
function td(text, cls) { return E('td', { 'class': 'td' + (cls ? ' ' + cls : '') }, text); }

// Per interface: packets and bytes each way, failed sends.
function interfaceTable(ifs) {
	var t = E('table', { 'class': 'table', 'id': 'serval-interfaces' }, [
		E('tr', { 'class': 'tr table-titles' }, [ th(_('Interface')), th(_('Address')), th(_('Packets in')),
			th(_('Bytes in')), th(_('Packets out')), th(_('Bytes out')), th(_('Failed sends')) ])
	]);
	ifs.forEach(function(i) {
		t.appendChild(E('tr', { 'class': 'tr', 'data-interface': i.name }, [ td(i.name), td(i.address || '-'),
			td(String(i.rx_packets)), td(fmtBytes(i.rx_bytes)), td(String(i.tx_packets)), td(fmtBytes(i.tx_bytes)),
			td(String(i.tx_failed)) ]));
	});
	return t;
}

// Drops by reason (only the non-zero ones) and the tables against their caps.
function countersTable(st) {
	var drops = st.drops || {}, tables = st.tables || {}, rows = [];
	var nz = Object.keys(drops).filter(function(k) { return drops[k] > 0; }).sort();
	rows.push(E('tr', { 'class': 'tr' }, [ td(_('Dropped'), 'left'), td(nz.length
		? nz.map(function(k) { return k.replace(/_/g, ' ') + ': ' + drops[k]; }).join(', ')
		: _('nothing'), 'left serval-drops') ]));
	rows.push(E('tr', { 'class': 'tr' }, [ td(_('Tables (used / cap)'), 'left'), td(Object.keys(tables).map(function(k) {
		return k.replace(/_/g, ' ') + ' ' + tables[k].size + '/' + tables[k].max;
	}).join(', ') || '-', 'left serval-tables') ]));
	var c = st.clients || {};
	rows.push(E('tr', { 'class': 'tr' }, [ td(_('Local clients'), 'left'),
		td((c.clients || 0) + ' ' + _('clients') + ', ' + (c.bindings || 0) + ' ' + _('ports bound'), 'left') ]));
	return E('table', { 'class': 'table', 'id': 'serval-counters' }, rows);
}

function svgEl(name, attrs, text) {
	var el = document.createElementNS(SVGNS, name);
	for (var k in attrs)
		el.setAttribute(k, attrs[k]);
	if (text != null)
		el.appendChild(document.createTextNode(text));
	return el;
}

// The mesh as seen from this node: this node in the middle, direct
// neighbours on an inner ring, nodes reached through them on an outer ring
// next to their next hop; lines follow the route table's next_hop.
function meshPicture(selfSid, routes) {
	var cx = 0, cy = 0;
	var svg = svgEl('svg', { 'xmlns': SVGNS, 'class': 'serval-mesh', 'role': 'img',
		'aria-label': _('Mesh seen from this node') });
	var seen = {}, direct = [], indirect = [];
	routes.forEach(function(r) {
		if (!r.sid || r.sid === selfSid || seen[r.sid] || r.flags === 'SELF' || r.flags === 'UNREACHABLE')
			return;
		seen[r.sid] = true;
		(r.flags === 'INDIRECT' && r.next_hop ? indirect : direct).push(r);
	});
	var pos = {};
	pos[selfSid] = [cx, cy];
	direct.forEach(function(r, i) {
		var a = 2 * Math.PI * i / Math.max(direct.length, 1) - Math.PI / 2;
		pos[r.sid] = [cx + 120 * Math.cos(a), cy + 120 * Math.sin(a)];
	});
	// nodes behind the same next hop fan out around its direction
	var behind = {}, placed = {};
	indirect.forEach(function(r) { behind[r.next_hop] = (behind[r.next_hop] || 0) + 1; });
	indirect.forEach(function(r, i) {
		var via = pos[r.next_hop], n = behind[r.next_hop], k = placed[r.next_hop] = (placed[r.next_hop] || 0) + 1;
		var a = via ? Math.atan2(via[1] - cy, via[0] - cx) + (k - 1 - (n - 1) / 2) * 0.5
			: 2 * Math.PI * i / Math.max(indirect.length, 1);
		pos[r.sid] = [cx + 220 * Math.cos(a), cy + 220 * Math.sin(a)];
	});
	// the picture's size follows its nodes (labels need room to the sides)
	var minX = cx, maxX = cx, minY = cy, maxY = cy;
	for (var sid in pos) {
		minX = Math.min(minX, pos[sid][0]); maxX = Math.max(maxX, pos[sid][0]);
		minY = Math.min(minY, pos[sid][1]); maxY = Math.max(maxY, pos[sid][1]);
	}
	var vw = Math.round(maxX - minX + 260), vh = Math.round(maxY - minY + 80);
	svg.setAttribute('viewBox', Math.round(minX - 130) + ' ' + Math.round(minY - 30) + ' ' + vw + ' ' + vh);
	svg.setAttribute('width', vw);
	svg.setAttribute('height', vh);
	var links = svgEl('g', { 'stroke': '#6a8caf', 'stroke-width': 2 });
	var nodes = svgEl('g', {});
	svg.appendChild(links);
	svg.appendChild(nodes);
	direct.concat(indirect).forEach(function(r) {
		var from = r.flags === 'INDIRECT' ? pos[r.next_hop] || pos[selfSid] : pos[selfSid];
		var to = pos[r.sid];
		links.appendChild(svgEl('line', { 'x1': from[0], 'y1': from[1], 'x2': to[0], 'y2': to[1],
			'stroke-dasharray': r.flags === 'INDIRECT' ? '5,4' : 'none' }));
	});
	function node(sid, p, fill, label) {
		var g = svgEl('g', { 'class': 'serval-node', 'data-sid': sid });
		g.appendChild(svgEl('title', {}, sid));
		g.appendChild(svgEl('circle', { 'cx': p[0], 'cy': p[1], 'r': 16, 'fill': fill, 'stroke': '#234', 'stroke-width': 1.5 }));
		g.appendChild(svgEl('text', { 'x': p[0], 'y': p[1] + 30, 'text-anchor': 'middle', 'font-size': 12,
			'font-family': 'monospace', 'fill': '#222' }, label));
		nodes.appendChild(g);
	}
	node(selfSid, pos[selfSid], '#3c8d3c', shortSid(selfSid) + ' (' + _('this node') + ')');
	direct.forEach(function(r) { node(r.sid, pos[r.sid], '#4a7fc1', shortSid(r.sid)); });
	indirect.forEach(function(r) { node(r.sid, pos[r.sid], '#b0b7c3', shortSid(r.sid) + ' ' + r.hops + ' ' + _('hops')); });
	return svg;
}

function routeTable(routes, selfSid) {
	var rows = routes.filter(function(r) { return r.sid !== selfSid && r.flags !== 'SELF'; });
	var t = E('table', { 'class': 'table', 'id': 'serval-routes' }, [
		E('tr', { 'class': 'tr table-titles' }, [
			E('th', { 'class': 'th' }, _('Node (SID)')),
			E('th', { 'class': 'th' }, _('Reached')),
			E('th', { 'class': 'th' }, _('Hops')),
			E('th', { 'class': 'th' }, _('Next hop')),
			E('th', { 'class': 'th' }, _('Interface'))
		])
	]);
	rows.forEach(function(r) {
		t.appendChild(E('tr', { 'class': 'tr' }, [
			E('td', { 'class': 'td' }, sidCell(r.sid)),
			E('td', { 'class': 'td' }, r.flags === 'INDIRECT' ? _('via another node') : r.flags === 'UNREACHABLE' ? _('unreachable') : _('neighbour')),
			E('td', { 'class': 'td' }, r.hops != null ? String(r.hops) : '-'),
			E('td', { 'class': 'td' }, sidCell(r.next_hop)),
			E('td', { 'class': 'td' }, r.interface || '-')
		]));
	});
	return t;
}

function streamsCell(x) {
	if (x.streams == null)
		return '-';
	return E('span', { 'title': _('%d opened since start; %s in, %s out').format(x.streams_total,
		fmtBytes(x.bytes_in), fmtBytes(x.bytes_out)) }, String(x.streams));
}

function tunnelTable(tunnels, other) {
	if (!tunnels.length && !other.length)
		return E('p', { 'class': 'serval-msg' }, _('No tunnels configured.'));
	var t = E('table', { 'class': 'table', 'id': 'serval-tunnels' }, [
		E('tr', { 'class': 'tr table-titles' }, [
			E('th', { 'class': 'th' }, _('Name')),
			E('th', { 'class': 'th' }, _('Mode')),
			E('th', { 'class': 'th' }, _('MDP port')),
			E('th', { 'class': 'th' }, _('TCP port')),
			E('th', { 'class': 'th' }, _('Remote node / service')),
			E('th', { 'class': 'th' }, _('State')),
			E('th', { 'class': 'th' }, _('Open streams')),
			E('th', { 'class': 'th' }, _('Bytes in / out'))
		])
	]);
	tunnels.forEach(function(x) {
		var state = !x.enabled ? _('disabled') : x.running ? _('running') + (x.pid ? ' (pid ' + x.pid + ')' : '') : _('not running');
		t.appendChild(E('tr', { 'class': 'tr', 'data-tunnel': x.name }, [
			E('td', { 'class': 'td' }, x.name),
			E('td', { 'class': 'td' }, x.mode || '-'),
			E('td', { 'class': 'td' }, x.mdp_port != null ? String(x.mdp_port) : '-'),
			E('td', { 'class': 'td' }, x.tcp_port != null ? '127.0.0.1:' + x.tcp_port : '-'),
			E('td', { 'class': 'td' }, x.mode === 'connect' ? sidCell(x.sid) : (x.service || '-')),
			E('td', { 'class': 'td serval-tunnel-state' }, state),
			E('td', { 'class': 'td serval-tunnel-streams' }, streamsCell(x)),
			E('td', { 'class': 'td' }, x.streams == null ? '-' : fmtBytes(x.bytes_in) + ' / ' + fmtBytes(x.bytes_out))
		]));
	});
	// tunnels the daemon knows that are not in the configuration (started by hand)
	other.forEach(function(x) {
		t.appendChild(E('tr', { 'class': 'tr', 'data-tunnel-pid': x.pid }, [
			E('td', { 'class': 'td' }, E('em', {}, _('not configured'))),
			E('td', { 'class': 'td' }, x.mode),
			E('td', { 'class': 'td' }, String(x.mdp_port)),
			E('td', { 'class': 'td' }, '127.0.0.1:' + x.tcp_port),
			E('td', { 'class': 'td' }, x.mode === 'connect' ? sidCell(x.sid) : (x.service || '-')),
			E('td', { 'class': 'td' }, _('running') + (x.pid ? ' (pid ' + x.pid + ')' : '')),
			E('td', { 'class': 'td serval-tunnel-streams' }, streamsCell(x)),
			E('td', { 'class': 'td' }, fmtBytes(x.bytes_in) + ' / ' + fmtBytes(x.bytes_out))
		]));
	});
	return t;
}

return view.extend({
	load: function() {
		return Promise.all([
			L.resolveDefault(callStatus(), null),
			L.resolveDefault(callRoutes(), null),
			L.resolveDefault(callTunnels(), null)
		]);
	},

	renderContent: function(data) {
		var st = data[0], rt = data[1], tu = data[2];
		var out = [];
		if (!st) {
			out.push(E('div', { 'class': 'alert-message warning', 'id': 'serval-error' },
				_('The serval ubus interface did not answer (is rpcd running and luci-app-serval installed?).')));
			return out;
		}
		if (!st.running) {
			out.push(E('div', { 'class': 'alert-message warning', 'id': 'serval-not-running' },
				!st.installed ? _('servald is not installed.') :
				st.enabled === false ? _('The Serval Mesh daemon is not running (disabled in the configuration).') :
				_('The Serval Mesh daemon is not running.')));
		}
		out.push(E('h3', {}, _('This node')));
		out.push(E('table', { 'class': 'table', 'id': 'serval-node' }, [
			E('tr', { 'class': 'tr' }, [ E('td', { 'class': 'td left', 'width': '33%' }, _('SID')),
				E('td', { 'class': 'td left' }, st.sid ? E('code', { 'id': 'serval-self-sid', 'title': st.sid }, st.sid) : '-') ]),
			E('tr', { 'class': 'tr' }, [ E('td', { 'class': 'td left' }, _('Daemon')),
				E('td', { 'class': 'td left', 'id': 'serval-daemon' }, st.running ? _('running') + ' (pid ' + st.pid + ')' : _('not running')) ]),
			E('tr', { 'class': 'tr' }, [ E('td', { 'class': 'td left' }, _('Uptime')),
				E('td', { 'class': 'td left' }, fmtUptime(st.uptime)) ]),
			E('tr', { 'class': 'tr' }, [ E('td', { 'class': 'td left' }, _('Version')),
				E('td', { 'class': 'td left' }, st.version || '-') ]),
			E('tr', { 'class': 'tr' }, [ E('td', { 'class': 'td left' }, _('Interfaces')),
				E('td', { 'class': 'td left' }, (st.interfaces || []).join(', ') || '-') ]),
			E('tr', { 'class': 'tr' }, [ E('td', { 'class': 'td left' }, _('Neighbours / nodes reachable')),
				E('td', { 'class': 'td left' }, st.counters.direct + ' / ' + st.counters.peers) ]),
			E('tr', { 'class': 'tr' }, [ E('td', { 'class': 'td left' }, _('Open streams')),
				E('td', { 'class': 'td left', 'id': 'serval-open-streams' }, st.running ? String(st.counters.open_streams) : '-') ])
		]));
		if (st.running) {
			out.push(E('h3', {}, _('Traffic')));
			out.push(interfaceTable(st.interface_stats || []));
			out.push(countersTable(st));
		}
		if (st.running) {
			var routes = (rt && rt.routes) || [];
			var peers = routes.filter(function(r) { return r.sid !== st.sid && r.flags !== 'SELF' && r.flags !== 'UNREACHABLE'; });
			out.push(E('h3', {}, _('Mesh')));
			if (!peers.length)
				out.push(E('p', { 'class': 'serval-msg', 'id': 'serval-no-peers' },
					_('No peers: no other Serval node has been heard on the mesh interfaces yet.')));
			else {
				out.push(E('div', { 'id': 'serval-picture', 'style': 'overflow:auto' }, meshPicture(st.sid, routes)));
				out.push(E('h3', {}, _('Neighbours and routes')));
				out.push(routeTable(routes, st.sid));
			}
		}
		out.push(E('h3', {}, _('Tunnels')));
		out.push(tunnelTable((tu && tu.tunnels) || [], (tu && tu.other) || []));
		return out;
	},

	render: function(data) {
		var body = E('div', { 'id': 'serval-status' }, this.renderContent(data));
		poll.add(L.bind(function() {
			return this.load().then(L.bind(function(d) {
				dom.content(body, this.renderContent(d));
			}, this));
		}, this), 5);
		return E([], [
			E('h2', {}, _('Serval Mesh')),
			E('div', { 'class': 'cbi-map-descr' }, _('This node on the Serval mesh: its identity, the nodes it can reach and its MSP tunnels. Hover a short SID for the full one.')),
			body
		]);
	},

	handleSave: null,
	handleSaveApply: null,
	handleReset: null
});
