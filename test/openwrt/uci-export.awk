# Test stand-in for `uci -n export PACKAGE` feeding OpenWrt's uci_load: reads a
# UCI file (config/option/list/package lines; bare, 'single'- and
# "double"-quoted words, backslash escapes, # comments) and prints the same
# statements with every word single-quoted, ready for the shell to eval.
# Anonymous sections get uci's "cfgIIHHHH" form (II = section index in hex;
# this stand-in uses 0000 for the hash part).
function q(s) {
	gsub(/'/, "'\\''", s)
	return "'" s "'"
}
function fail(msg) {
	printf "uci: %s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"
	bad = 1
	exit 1
}
{
	n = 0; tok = ""; intok = 0; i = 1; line = $0; len = length(line)
	while (i <= len) {
		c = substr(line, i, 1)
		if (c == " " || c == "\t") {
			if (intok) { words[++n] = tok; tok = ""; intok = 0 }
			i++
		} else if (c == "#" && !intok) {
			break
		} else if (c == "'") {
			j = index(substr(line, i + 1), "'")
			if (j == 0) fail("unterminated '")
			tok = tok substr(line, i + 1, j - 1); intok = 1; i += j + 1
		} else if (c == "\"") {
			intok = 1; i++
			while (1) {
				if (i > len) fail("unterminated \"")
				c = substr(line, i, 1)
				if (c == "\\" && i < len) { tok = tok substr(line, i + 1, 1); i += 2; continue }
				i++
				if (c == "\"") break
				tok = tok c
			}
		} else if (c == "\\" && i < len) {
			tok = tok substr(line, i + 1, 1); intok = 1; i += 2
		} else {
			tok = tok c; intok = 1; i++
		}
	}
	if (intok) words[++n] = tok
	if (n == 0) next
	kw = words[1]
	if (kw == "package") next
	if (kw == "config") {
		if (n < 2 || n > 3) fail("config needs a type and an optional name")
		name = n == 3 ? words[3] : sprintf("cfg%02x0000", sections)
		sections++
		print "config " q(words[2]) " " q(name)
	} else if (kw == "option" || kw == "list") {
		if (n != 3) fail(kw " needs a name and one value")
		if (sections == 0) fail(kw " outside a section")
		print kw " " q(words[2]) " " q(words[3])
	} else {
		fail("unknown statement '" kw "'")
	}
}
