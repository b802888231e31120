// Counters of the MDP node (for `servald status`, logs and tests).
export interface MeshStats {
  packetsIn: number;
  packetsOut: number;
  bytesOut: number;
  packetsDropped: number;
  /** Packets whose abbreviated transmitter we could not resolve (a please-explain went out). */
  unknownTransmitter: number;
  duplicatePackets: number;
  framesIn: number;
  framesOut: number;
  framesDropped: number;
  duplicateFrames: number;
  framesForwarded: number;
  framesAcked: number;
  retransmissions: number;
  nacks: number;
  resequenced: number;
  acksSent: number;
  /** ACKs that rode in a packet already going to the neighbour (counted in acksSent too). */
  acksPiggybacked: number;
  ttlExpired: number;
  /** Unicast frames given up after the retry cap / with no route by the deadline. */
  retryDrops: number;
  noRouteDrops: number;
  /** Frames dropped to keep queues bounded. */
  queueDrops: number;
  transmitDrops: number;
  /** Packets above the interface MTU (one frame too big to fit it, up to PACKET_HARD_MAX). */
  oversizePackets: number;
  deliveryDrops: number;
  unboundDrops: number;
  cryptoFailures: number;
  sendFailures: number;
  datagramsSent: number;
  datagramsDelivered: number;
  routeChanges: number;
  /** Route table recomputations (a steady mesh should need almost none). */
  routeRecomputes: number;
  keymapRequests: number;
  /** Neighbours seen to restart (frame duplicate window reset). */
  peerRestarts: number;
  /** Link windows started over after a run of late/repeated link sequences. */
  linkResets: number;
  echoReplies: number;
  /** Service passes (ACKs due, timers, the transmit flush): one per input, or
   * per burst of packets with MeshNodeOptions.serviceOncePerBurst. */
  servicePasses: number;
  explainsSent: number;
  explainsAnswered: number;
  /** The table caps at work (MeshLimits): SIDs forgotten to make room, new SIDs
   * not kept (all in use), packets dropped from a new neighbour that found the
   * table full of direct ones, new routes and neighbours' tree entries not kept. */
  subscribersEvicted: number;
  subscribersRefused: number;
  neighboursRefused: number;
  routesRefused: number;
  /** Link-state payloads a neighbour repeated byte for byte with nothing changed since: not decoded again. */
  linkStateRepeats: number;
}

export function newStats(): MeshStats {
  return {
    packetsIn: 0, packetsOut: 0, bytesOut: 0, packetsDropped: 0, unknownTransmitter: 0, duplicatePackets: 0,
    framesIn: 0, framesOut: 0, framesDropped: 0, duplicateFrames: 0, framesForwarded: 0,
    framesAcked: 0, retransmissions: 0, nacks: 0, resequenced: 0, acksSent: 0, acksPiggybacked: 0, ttlExpired: 0,
    retryDrops: 0, noRouteDrops: 0, queueDrops: 0, transmitDrops: 0, oversizePackets: 0, deliveryDrops: 0,
    unboundDrops: 0, cryptoFailures: 0, sendFailures: 0, datagramsSent: 0, datagramsDelivered: 0,
    routeChanges: 0, routeRecomputes: 0, keymapRequests: 0, peerRestarts: 0, linkResets: 0, echoReplies: 0, servicePasses: 0, explainsSent: 0, explainsAnswered: 0,
    subscribersEvicted: 0, subscribersRefused: 0, neighboursRefused: 0, routesRefused: 0,
    linkStateRepeats: 0,
  };
}
