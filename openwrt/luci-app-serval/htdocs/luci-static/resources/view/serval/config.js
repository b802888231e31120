'use strict';
'require view';
'require form';
'require uci';

// Services -> Serval Mesh -> Configuration: a form over /etc/config/serval.
// Save & Apply commits through rpcd's uci and LuCI's apply, which runs
// reload_config: /etc/init.d/servald reloads (procd_add_reload_trigger serval).
// The validators accept exactly what the init script accepts (init.d/servald:
// is_mdp_port, is_tcp_port, is_sid, is_service_name, is_ifname, is_log_level).

function isUint(v, maxDigits) {
	return /^[1-9][0-9]*$/.test(v) && v.length <= maxDigits;
}

function validTcpPort(section_id, v) {
	return (isUint(v, 5) && +v <= 65535) || _('A TCP port: 1-65535');
}

function validMdpPort(section_id, v) {
	return (isUint(v, 10) && +v <= 4294967295) || _('An MDP port: 1-4294967295');
}

function validSid(section_id, v) {
	if (!/^[0-9A-Fa-f]{64}$/.test(v))
		return _('A node\'s SID: 64 hexadecimal digits');
	if (/^0+$/.test(v) || /^[Ff]+$/.test(v))
		return _('Not the "any" (all 0) or broadcast (all F) SID');
	return true;
}

function validService(section_id, v) {
	return v === '' || (/^[A-Za-z0-9_.-]+$/.test(v) && v.length <= 64) ||
		_('Letters, digits, ".", "_" or "-" (at most 64)');
}

function validIfname(section_id, v) {
	return v === '' || (/^[A-Za-z0-9_.:@*][A-Za-z0-9_.:@*-]*$/.test(v) && v.length <= 32) ||
		_('A network or device name (letters, digits, _ . : @ - and * wildcards)');
}

return view.extend({
	load: function() {
		return L.resolveDefault(uci.load('network'), null);
	},

	render: function() {
		var m, s, o;

		m = new form.Map('serval', _('Serval Mesh'),
			_('The servald mesh daemon and its MSP TCP tunnels (/etc/config/serval). Save & Apply reloads the service.'));

		s = m.section(form.NamedSection, 'main', 'serval', _('Daemon'));
		s.addremove = false;

		o = s.option(form.Flag, 'enabled', _('Enabled'));
		o.default = '1';
		o.rmempty = false;

		o = s.option(form.ListValue, 'log_level', _('Log level'));
		['debug', 'info', 'hint', 'warn', 'error', 'fatal', 'none'].forEach(function(l) { o.value(l); });
		o.default = 'info';

		o = s.option(form.DynamicList, 'interface', _('Mesh interfaces'),
			_('Networks (or devices) servald meshes on, by UDP broadcast on port 4110. A network that is down is used as a device name until it comes up.'));
		uci.sections('network', 'interface').forEach(function(n) {
			if (n['.name'] !== 'loopback')
				o.value(n['.name']);
		});
		o.validate = validIfname;

		s = m.section(form.GridSection, 'tunnel', _('Tunnels'),
			_('Each enabled tunnel is one procd instance: "listen" accepts MSP streams on an MDP port and forwards them to a local TCP port; "connect" listens on 127.0.0.1:TCP port and opens a stream to a remote node\'s MDP port for each connection.'));
		s.addremove = true;
		s.anonymous = false;
		s.nodescriptions = true;

		o = s.option(form.Flag, 'enabled', _('Enabled'));
		o.default = '1';
		o.rmempty = false;
		o.editable = true;

		o = s.option(form.ListValue, 'mode', _('Mode'));
		o.value('listen', _('listen (serve a local TCP port)'));
		o.value('connect', _('connect (reach a remote node)'));
		o.rmempty = false;

		o = s.option(form.Value, 'mdp_port', _('MDP port'));
		o.datatype = 'uinteger';
		o.validate = validMdpPort;
		o.rmempty = false;

		o = s.option(form.Value, 'tcp_port', _('TCP port'));
		o.validate = validTcpPort;
		o.rmempty = false;

		o = s.option(form.Value, 'sid', _('Remote SID'));
		o.depends('mode', 'connect');
		o.validate = validSid;
		o.rmempty = false;
		o.textvalue = function(section_id) {
			var v = uci.get('serval', section_id, 'sid');
			return v ? E('code', { 'title': v }, v.substring(0, 8) + '…') : '-';
		};

		o = s.option(form.Value, 'service', _('Service name'),
			_('Optional: answer "servald msp discover NAME".'));
		o.depends('mode', 'listen');
		o.validate = validService;

		o = s.option(form.Flag, 'once', _('Once'), _('Accept one connection, then end.'));
		o.depends('mode', 'listen');
		o.default = '0';
		o.modalonly = true;

		return m.render();
	}
});
