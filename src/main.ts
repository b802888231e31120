// Bundle entry (build/bundle.mjs): run the servald command line.
import { runCli } from "./cli/main";
import { args } from "./platform/proc";
import { bytesEqual as nativeBytesEqual } from "serval:native";
import { useBytesEqual } from "./wire/bytes";

useBytesEqual(nativeBytesEqual);

void runCli(args());
