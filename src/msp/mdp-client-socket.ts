// MdpSocket over the local client library (src/client/mdp-client.ts): one
// client socket and one daemon binding per MdpSocket. The socket is gone for
// good once the daemon refuses it (the platform client is connected to the
// daemon's socket, so a restarted daemon is a refusal too) or answers our
// keep-alive with ERROR (it does not know the binding).

import { MdpClient, MdpClientError } from "../client/mdp-client";
import { MDP_FLAG_NO_CRYPT, MDP_FLAG_NO_SIGN, MDP_LISTEN } from "../wire/client-header";
import { bytesEqual } from "../wire/bytes";
import { SID_ANY, Sid } from "../wire/types";
import { MspAddress } from "./endpoint";
import { MdpInbound, MdpSendOptions, MdpSocket } from "./mdp-socket";

export class MdpClientSocket implements MdpSocket {
  private inbound: MdpInbound = { local: { sid: new Uint8Array(32), port: 0 }, remote: { sid: new Uint8Array(32), port: 0 }, cryptFlags: 0, qos: 0, ttl: 0, payload: new Uint8Array(0) };
  private gone = false;
  private goneCb: (() => void) | undefined;
  private errorCb: (() => void) | undefined;

  constructor(private readonly client: MdpClient) {
    client.onError = (d) => {
      // The answer to our keep-alive: the daemon does not know this binding.
      if (d.remotePort === MDP_LISTEN && bytesEqual(d.remoteSid, SID_ANY)) this.markGone();
      else this.errorCb?.();
    };
  }

  async bind(sid: Sid, port: number): Promise<MspAddress> {
    return this.client.bind(sid, port);
  }

  /** false when the daemon's socket queue is full (the driver retries shortly) or it is gone. */
  send(remote: MspAddress, payload: Uint8Array, opts: MdpSendOptions): boolean {
    if (this.gone) return false;
    try {
      return this.client.trySend(remote.sid, remote.port, payload, opts.cryptFlags, opts.qos, opts.ttl) === 0;
    } catch (e) {
      if (!(e instanceof MdpClientError)) throw e;
      this.markGone();
      return false;
    }
  }

  alive(): boolean {
    if (this.gone) return false;
    try {
      this.client.keepAlive(); // a full queue (EAGAIN) still means alive
    } catch (e) {
      if (!(e instanceof MdpClientError)) throw e;
      this.markGone();
    }
    return !this.gone;
  }

  onGone(cb: (() => void) | undefined): void {
    this.goneCb = cb;
  }

  onPacket(cb: ((p: MdpInbound) => void) | undefined): void {
    if (!cb) { this.client.onDatagram = undefined; return; }
    const p = this.inbound;
    this.client.onDatagram = (d) => {
      p.local.sid = d.localSid;
      p.local.port = d.localPort;
      p.remote.sid = d.remoteSid;
      p.remote.port = d.remotePort;
      p.cryptFlags = d.flags & (MDP_FLAG_NO_CRYPT | MDP_FLAG_NO_SIGN);
      p.qos = d.qos;
      p.ttl = d.ttl;
      p.payload = d.payload;
      cb(p);
    };
  }

  onError(cb: (() => void) | undefined): void {
    this.errorCb = cb;
  }

  close(): void {
    this.client.close();
  }

  private markGone(): void {
    if (this.gone) return;
    this.gone = true;
    this.goneCb?.();
  }
}
