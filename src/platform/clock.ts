// Monotonic milliseconds: the `now` that protocol code is given. Counted from
// the process start (src/native/native.c), so an int32 for 24.8 days of uptime.
import * as native from "serval:native";

export function nowMs(): number {
  return native.monotonicMs();
}
