// Bundle entry (build/bundle.mjs): run the servald command line.
import { runCli } from "./cli/main";
import { args } from "./platform/proc";
import * as native from "serval:native";
import { useTargetErrno } from "./platform/errno";
import { useBytesEqual } from "./wire/bytes";

useBytesEqual(native.bytesEqual);
useTargetErrno(native);

void runCli(args());
