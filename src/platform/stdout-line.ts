// Line-at-a-time stdout for commands whose output is read while they run
// (`mdp ping` through a pipe): stdout is block-buffered when not a terminal.
// (H8's file; proc.print stays buffered for bulk output.)
import * as std from "qjs:std";

/** Writes text to stdout and flushes it. */
export function printFlush(text: string): void {
  std.out.puts(text);
  std.out.flush();
}
