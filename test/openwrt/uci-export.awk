# Test stand-in for `uci -n export PACKAGE` feeding OpenWrt's uci_load: reads a
# UCI file (config/option/list/package lines; bare, 'single'- and
# "double"-quoted words, backslash escapes, # comments) and prints the same
# statements with every word single-quoted, ready for the shell to eval.
# Anonymous sections get uci's name "cfgIIHHHH": II = the section's ordinal
# (from 1) in hex, HHHH = uci's djbhash of the section type mod 65536 (uci
# names a section when it is created, before its options: list.c
# uci_fixup_section). An option with an empty value is no option, as in uci.
# The real-userland suite (test/openwrt/userland/ipk.sh) checks this stand-in
# against the real uci and functions.sh.
BEGIN {
	for (i = 1; i < 256; i++) ORD[sprintf("%c", i)] = i
}
function djb(s,    h, i) {
	h = 5381
	for (i = 1; i <= length(s); i++) h = (h * 33 + ORD[substr(s, i, 1)]) % 2147483648
	return h
}
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
		sections++
		name = n == 3 ? words[3] : sprintf("cfg%02x%04x", sections, djb(words[2]) % 65536)
		print "config " q(words[2]) " " q(name)
	} else if (kw == "option" || kw == "list") {
		if (n != 3) fail(kw " needs a name and one value")
		if (sections == 0) fail(kw " outside a section")
		if (kw == "option" && words[3] == "") next
		print kw " " q(words[2]) " " q(words[3])
	} else {
		fail("unknown statement '" kw "'")
	}
}
