// Static cross build for OpenWrt arm_cortex-a7_neon-vfpv4, run under qemu-user, packaged as an ipk.
import { test } from "uvu";
import { crossSuite } from "../openwrt/cross-check";

crossSuite({ cross: "armhf", ipkArch: "arm_cortex-a7_neon-vfpv4", qemu: "qemu-arm-static", cpu: "cortex-a7", machine: 40, bigEndian: false, elfClass: 1 });

test.run();
