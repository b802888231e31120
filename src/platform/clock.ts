// Monotonic milliseconds: the `now` that protocol code is given. Counted from
// the process start (src/native/native.c), so an int32 for 24.8 days of uptime.
// The native function itself, not a JS function calling it: read several times
// per daemon wakeup, and a JS wrapper costs ~500 instructions per call.
import * as native from "serval:native";

export const nowMs: () => number = native.monotonicMs;
