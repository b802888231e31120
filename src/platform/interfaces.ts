// Network interfaces with an IPv4 address (one entry per address).
import * as native from "serval:native";
import { errorText, log } from "./log";
import { watchRead } from "./loop";

export interface NetInterface {
  name: string;
  index: number;
  addr: string;
  netmask: string;
  /** "0.0.0.0" when the interface has no broadcast address */
  broadcast: string;
  up: boolean;
  running: boolean;
  loopback: boolean;
}

export function listInterfaces(): NetInterface[] {
  return native.interfaces();
}

export interface InterfaceWatch { close(): void }

/** Calls onChange once the system's links or IPv4 addresses changed (route
 * netlink: a burst of changes read in one go is one call), or null where they
 * cannot be watched (then list them now and then). A socket error ends the
 * watch: onFailed(error text) instead, once. */
export function watchInterfaceChanges(onChange: () => void, onFailed: (why: string) => void): InterfaceWatch | null {
  let fd: number;
  try {
    fd = native.netlinkOpen();
  } catch (e) {
    log.debug(`interface changes are not watched: ${errorText(e)}`);
    return null;
  }
  let open = true;
  const close = (): void => {
    if (!open) return;
    open = false;
    watchRead(fd, null);
    native.close(fd);
  };
  watchRead(fd, () => {
    const n = native.netlinkDrain(fd);
    if (n < 0) {
      close();
      onFailed(native.strerror(-n));
    } else if (n > 0) onChange();
  }, "netlink");
  return { close };
}
