// Network interfaces with an IPv4 address (one entry per address).
import * as native from "serval:native";

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
