// The ipk package against the real OpenWrt userland: real opkg, uci,
// ubus, procd and base-files (test/openwrt/userland/ipk.sh, driven by
// test/openwrt/userland.ts). Needs root (namespaces, chroot); the userland is
// built once from test/openwrt/userland/ (or OPENWRT_USERLAND) into .cache/.
import { userlandSuite } from "../openwrt/userland";

await userlandSuite("ipk");
