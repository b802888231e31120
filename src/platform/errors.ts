// Error for a failed hot-path call that returned -errno.
import * as native from "serval:native";

export class SysError extends Error {
  constructor(call: string, readonly errno: number) {
    super(`${call}: ${native.strerror(errno)}`);
  }
}
