// Static cross build for OpenWrt x86_64, run under qemu-user, packaged as an ipk.
import { test } from "uvu";
import { crossSuite } from "../openwrt/cross-check";

crossSuite({ cross: "x86_64", ipkArch: "x86_64", qemu: null, machine: 62, bigEndian: false, elfClass: 2 });

test.run();
