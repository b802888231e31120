// Static cross build for OpenWrt mips_24kc, run under qemu-user, packaged as an ipk.
import { test } from "uvu";
import { crossSuite } from "../openwrt/cross-check";

crossSuite({ cross: "mips", ipkArch: "mips_24kc", qemu: "qemu-mips-static", cpu: "24Kc", softFloat: "mips-linux-gnu-", machine: 8, bigEndian: true, elfClass: 1, ipkMaxBytes: 400_000 });

test.run();
