// Static cross build for OpenWrt mipsel_24kc, run under qemu-user, packaged as an ipk.
import { test } from "uvu";
import { crossSuite } from "../openwrt/cross-check";

crossSuite({ cross: "mipsel", ipkArch: "mipsel_24kc", qemu: "qemu-mipsel-static", cpu: "24Kc", softFloat: "mipsel-linux-gnu-", machine: 8, bigEndian: false, elfClass: 1, ipkMaxBytes: 400_000 });

test.run();
