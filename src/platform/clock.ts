// Monotonic milliseconds: the `now` that protocol code is given.
import * as native from "serval:native";

export function nowMs(): number {
  return native.monotonicMs();
}
