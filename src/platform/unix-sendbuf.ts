// Send-buffer facts of a Unix datagram socket (issue 13): a receiver that is
// connect()ed to the sender is exempt from net.unix.max_dgram_qlen, so what it
// does not read stays charged to the SENDER's buffer, which the daemon shares
// among all its clients. These let the daemon see that and find who it is.
import * as native from "serval:native";

/** SO_SNDBUF after asking for `want` bytes (SO_SNDBUFFORCE when root). */
export function setSendBuffer(fd: number, want: number): number {
  return native.sendBuffer(fd, want);
}

/** Bytes sent from fd that their receivers have not read yet (0 on error). */
export function sendQueued(fd: number): number {
  return Math.max(0, native.sendQueued(fd));
}

/** Names of the sockets connected to fd's socket that hold unread datagrams;
 *  null when the kernel has no sock_diag for Unix sockets (CONFIG_UNIX_DIAG). */
export function blockedConnectedPeers(fd: number): string[] | null {
  return native.unixBlockedPeers(fd);
}
