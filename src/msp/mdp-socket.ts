// The MDP datagram socket the MSP driver sends and receives through: one
// binding (SID, port) in a daemon, reached over the local client socket (or a
// simulated one in tests). Kept abstract so src/msp never depends on how the
// daemon is reached.

import { Sid } from "../wire/types";
import { MspAddress } from "./endpoint";

/** Local-API crypt flags (PROTOCOL.md 7.2): an accepted MSP connection answers with the inbound ones. */
export const MDP_NO_CRYPT = 0x01;
export const MDP_NO_SIGN = 0x02;

export interface MdpSendOptions {
  /** MDP_NO_CRYPT | MDP_NO_SIGN; 0 = authcrypted (the MSP default). */
  cryptFlags: number;
  /** 0 = daemon default (ORDINARY). */
  qos: number;
  /** 0 = daemon default (31). */
  ttl: number;
}

export interface MdpInbound {
  local: MspAddress;
  remote: MspAddress;
  cryptFlags: number;
  qos: number;
  /** Remaining TTL as the daemon reports it. */
  ttl: number;
  /** A view valid during the callback only. */
  payload: Uint8Array;
}

export interface MdpSocket {
  /** Bind (sid, port); port 0 asks for an ephemeral port. SID_ANY = the primary identity. */
  bind(sid: Sid, port: number): Promise<MspAddress>;
  /** Send from the bound address. False when the daemon cannot take it right now
   *  (retry soon) or when it is gone (then onGone's callback has run). */
  send(remote: MspAddress, payload: Uint8Array, opts: MdpSendOptions): boolean;
  /** Ask the daemon whether it still holds this binding (a keep-alive it answers
   *  only with an error). False once the daemon is known gone: its socket refused
   *  us, or it answered that it no longer knows the binding. */
  alive(): boolean;
  /** Called once when the socket finds the daemon gone (a restarted daemon knows
   *  none of our bindings, so the socket is useless from then on). */
  onGone(cb: (() => void) | undefined): void;
  onPacket(cb: ((p: MdpInbound) => void) | undefined): void;
  /** The daemon answered ERROR (e.g. an unbound or refused port). */
  onError(cb: (() => void) | undefined): void;
  /** Release the binding. */
  close(): void;
}

export type MdpSocketFactory = () => MdpSocket;
