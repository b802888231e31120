// Bundle entry (build/bundle.mjs): run the servald command line.
import { runCli } from "./cli/main";
import { args } from "./platform/proc";

void runCli(args());
