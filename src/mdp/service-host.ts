// What the built-in MDP services (echo, keymap) need from the node.
import type { CryptoProvider, Identity } from "../crypto/types";
import type { Sid } from "../wire/types";
import type { SendRequest, SendResult } from "./api";
import type { Subscriber } from "./subscribers";
import type { MeshStats } from "./stats";

export interface ServiceHost {
  readonly crypto: CryptoProvider;
  readonly stats: MeshStats;
  /** Our identity with this SID, or the primary for a broadcast. */
  identityFor(localSid: Sid, broadcast: boolean): Identity;
  subscriber(sid: Sid): Subscriber;
  send(now: number, req: SendRequest): SendResult;
  log(level: "debug" | "info" | "warn" | "error", message: string): void;
}
