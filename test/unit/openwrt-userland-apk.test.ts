// The apk package against the real OpenWrt userland: real apk v3 (OpenWrt 25.x), uci,
// ubus, procd and base-files (test/openwrt/userland/apk.sh, driven by
// test/openwrt/userland.ts). Needs root (namespaces, chroot); the userland is
// built once from test/openwrt/userland/ (or OPENWRT_USERLAND) into .cache/.
import { userlandSuite } from "../openwrt/userland";

await userlandSuite("apk");
