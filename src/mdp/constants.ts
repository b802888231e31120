// Timers and limits of the MDP overlay node.
// "Specification" constants mirror Serval DNA (docs/PROTOCOL.md section cited);
// "Implementation" constants are our own choices, where we deliberately go
// further than Serval DNA on lossy multi-hop links.

// ---- Specification constants ----

/** Default interface tick (keep-alive / ACK interval) for wifi/ethernet (6.1). */
export const TICK_MS = 500;
/** Serval's reachable timeout: 5 ticks (6.1). Peers expire our links after this. */
export const SERVAL_REACHABLE_TIMEOUT_MS = 2500;
/** Default interface and whole-packet MTU (1.2): the wire's one definition. */
export { MTU as DEFAULT_MTU } from "../wire/packet";
/** A queued frame payload must stay strictly below this or servald aborts (4.3). */
export const MDP_OVERLAY_MTU = 1200;
/** A lone frame too big for the interface MTU is sent in a packet of up to this
 * (UDP payload on a 1500-byte link; servald's receive buffer is 8096 bytes). */
export const PACKET_HARD_MAX = 1472;
/** Largest MDP data we accept from applications (ports + crypto overhead fit below 1200). */
export const MDP_MAX_DATA = 1100;
/** TTL when the application passes 0 (4.3). */
export const TTL_DEFAULT = 31;
/** Largest TTL on the wire (5 bits). */
export const TTL_MAX = 31;
/** Queue (QoS) classes (4.1, 4.3). */
export const OQ_MESH_MANAGEMENT = 0;
export const OQ_ORDINARY = 3;
/** servald caps one link-state payload at 400 bytes (6.3). */
export const LINKSTATE_PAYLOAD_MAX = 400;
/** Link-state record refresh per subscriber (6.1). */
export const ROUTE_REFRESH_MS = 5000;
/** Drop rate advertised for a link without one (6.3). */
export const DROP_RATE_NONE = 32;
/** Please-explain answers: at most one per SID per this interval (3.3). */
export const EXPLAIN_REPLY_INTERVAL_MS = 500;
/** Keymap requests: at most one per peer per this interval (5.3). */
export const KEYMAP_REQUEST_INTERVAL_MS = 100;
/** Interface index must be below this to be accepted in an ACK record (6.6). */
export const MAX_INTERFACES = 16;
/** Broadcast id length (4.1) and de-dup cache size (4.2). */
export const BROADCAST_ID_LEN = 8;
export const BPI_SLOTS = 1024;
/** Frame sequence window: a frame more than this many newer sequences old is
 * outside the receiver's 64-bit duplicate window (4.2). */
export const FRAME_SEQ_WINDOW = 64;

// ---- Implementation constants ----

/** We expire a neighbour only after this many ticks without hearing it; scaled
 * up further by observed loss (neighbours.ts), so 33% loss does not flap. */
export const REACHABLE_TICKS = 8;
/** On an interface where every neighbour gets our ACKs by unicast, the
 * broadcast tick goes out only every this many ticks, carrying their ACK
 * records, and that tick they get no unicast packet (adverts.ts, hop-acks.ts):
 * one packet per neighbour per tick instead of two. Each of our links in at
 * a neighbour still hears us every second (ours expire after REACHABLE_TICKS,
 * Serval DNA's after 5 ticks), and the neighbour hears us every tick. */
export const BROADCAST_KEEPALIVE_TICKS = 2;
/** ...but only while we lose (nearly) none of the neighbour's packets (its
 * rxLoss below this, 0.02 in 1/4096 as Neighbour.rxLossQ12: one missed packet
 * raises it by 0.025, and it decays by 5 % per packet heard) and it reports
 * losing none of ours: under loss two packets a tick keep it from judging us
 * silent (SILENT_TICKS) at random. */
export const TICK_TURNS_MAX_LOSS_Q12 = 82;
/** Routes avoid a direct neighbour silent for this many ticks (its slowest
 * packet gap if longer; scaled by loss): a dead relay is routed around before
 * its links expire (routing.ts silenceLimit). */
export const SILENT_TICKS = 3;
/** An interface MTU above this is taken as this (one Ethernet frame). */
export const INTERFACE_MTU_MAX = 1500;
/** A time long before any `now` (a "never happened" timestamp that still subtracts). */
export const LONG_AGO = -1e9;
/** Upper bound on the adaptive reachable timeout. */
export const REACHABLE_TIMEOUT_MAX_MS = 8000;
/** A unicast frame is retried per hop until this deadline after enqueue... */
export const FRAME_DEADLINE_MS = 8000;
/** ...or until this many transmissions. */
export const FRAME_MAX_TX = 14;
/** Initial per-hop retransmit delay before any RTT sample. */
export const RESEND_DELAY_INITIAL_MS = 300;
/** Retransmit delay bounds (the RTO from the hop's RTT: a CPU that answers
 * late, >1 s, must not be resent to every second; issue 11). */
export const RESEND_DELAY_MIN_MS = 30;
export const RESEND_DELAY_MAX_MS = 4000;
/** Backing off from a smaller RTO stops at this. */
export const RESEND_BACKOFF_MAX_MS = 1000;
/** ACK a frame carrying ACK_SOON within this delay (aggregates a burst). */
export const ACK_SOON_DELAY_MS = 5;
/** ACK a neighbour this soon after its link to us comes (back) up, or after it
 * is first heard: it learns that we hear it. */
export const ACK_LINK_UP_DELAY_MS = 10;
/** Send our ACK again this soon when a neighbour's ACK record shows it missed
 * the packet that carried our last one. */
export const ACK_RESEND_DELAY_MS = 10;
/** A gap in link sequences is NACKed after this (lets reordering settle). */
export const ACK_GAP_DELAY_MS = 2;
/** Send an ACK at once after this many unacknowledged packets on a link. */
export const ACK_WINDOW = 16;
/** A changed route's record is sent this many times (the first at once), and
 * then only in the periodic full advert: each change costs a bounded number of
 * records whatever else changes meanwhile (no re-sending every recent change
 * with every new one: that grew as N^2 and melted a 40-node grid). */
export const ADVERT_SENDS = 4;
/** Gap before a changed record's second send; it doubles for each further one
 * (sends at 0, 150, 450, 1050 ms: spread over loss bursts), up to 4x this
 * (the extra sends of a lossy link: 1650, 2250, ... ms). A repeat rides along
 * with an advert or tick that goes out after half its gap (advertRecords' batch). */
export const ADVERT_REPEAT_MS = 150;
/** Over a lossy link a change is sent more than ADVERT_SENDS times: as often as
 * it takes for the chance that every send is lost (the worst direct
 * neighbour's loss ^ sends) to fall to 1 / ADVERT_LOSS_INVERSE, at most
 * ADVERT_SENDS_MAX times (advert-records.ts advertSends). At 33% loss a record
 * lost all 4 times (1.2% per record per link) waited for the 10 s full advert.
 * Links measured under ADVERT_LOSSY_MIN count as clean and keep ADVERT_SENDS. */
export const ADVERT_LOSS_INVERSE = 10000;
export const ADVERT_LOSSY_MIN = 0.15;
export const ADVERT_SENDS_MAX = 12;
/** Minimum spacing of route recomputations (each walks every neighbour's tree):
 * during convergence a burst of adverts costs one, not one per packet. */
export const ROUTE_RECOMPUTE_MIN_MS = 10;
/** Packets from a neighbour move the link-expiry deadline along once it is this
 * near (routes.ts noteHeard): the expiry timer then wakes the node when a link
 * does time out, not every few seconds to find them all alive. */
export const EXPIRY_FOLLOW_MS = 1000;
/** Periodic full advert (every route). Serval DNA refreshes each record every
 * ROUTE_REFRESH_MS; its peers never expire a record by age, and every change
 * here is already sent ADVERT_SENDS times, so the refresh only repairs a
 * change lost all four times: twice as long halves the largest share of a big
 * mesh's control bytes. */
export const FULL_ADVERT_INTERVAL_MS = 10000;
/** Minimum spacing of change-triggered adverts. */
export const ADVERT_MIN_INTERVAL_MS = 20;
/** After a neighbour becomes reachable: this many full adverts (every route),
 * the first at once, then one per FULL_ADVERT_MIN_INTERVAL_MS. */
export const NEW_NEIGHBOUR_FULL_ADVERTS = 3;
/** Full adverts are never closer together than this, however many neighbours come and go. */
export const FULL_ADVERT_MIN_INTERVAL_MS = 500;
/** NO_PATH records are advertised for this long after a loss, then forgotten. */
export const NO_PATH_ADVERT_MS = 10000;
/** Queue caps: frames queued per final destination (not per next hop: the
 * frames of many destinations may share one), and in total. */
export const QUEUE_PER_DESTINATION_MAX = 1024;
export const QUEUE_TOTAL_MAX = 1536;
/** Reliable frames sent to one next hop and not yet ACKed; more wait queued.
 * Keeps bursts (an MSP window of 128) within the link's queue, and within the
 * 32 link sequences an ACK record covers. */
export const INFLIGHT_MAX = 24;
/** The window is lifted for a destination whose full window has seen no ACK for this long. */
export const ACKLESS_WINDOW_LIFT_MS = 1000;
/** Prefixes asked about in one please-explain question of ours. */
export const EXPLAIN_ASKS_MAX = 16;
/** Ephemeral ports (bind to port 0) are taken from this range, round robin. */
export const EPHEMERAL_PORT_FIRST = 256;
export const EPHEMERAL_PORT_LAST = 32768;
/** Deliveries waiting for the application. */
export const DELIVERY_QUEUE_MAX = 256;
/** Packets waiting for pollTransmit. */
export const TRANSMIT_QUEUE_MAX = 256;
// Table caps: the defaults of MeshLimits (api.ts; config mdp.max_subscribers,
// mdp.max_neighbours, mdp.max_routes). A table at its cap drops and counts, never grows.
/** Address book cap; least recently used SIDs not in use are forgotten. */
export const SUBSCRIBERS_MAX = 1024;
/** Neighbours cap; a new one replaces the longest silent one that is not direct. */
export const NEIGHBOURS_MAX = 64;
/** Route table cap (and of each neighbour's advertised tree). */
export const ROUTES_MAX = 1024;
/** Link-state payloads kept per neighbour to recognise a repeat (a full advert
 * of up to this many 400-byte payloads is not decoded again while nothing changed). */
export const LINK_STATE_REPEATS_MAX = 8;
/** Idle tick when an interface has no neighbours (Serval: 5000 ms, 6.1; we
 * stay fast so a late starter is found quickly even under loss). */
export const IDLE_TICK_MS = 1000;
/** Late or duplicate packets in a row on one link that we take as the neighbour having restarted. */
export const RESTART_DUP_PACKETS = 3;
/** Duplicate non-retransmitted frames in a row that we take as a restart. */
export const RESTART_DUP_FRAMES = 4;
/** After a frame window reset, its old content still dedupes for this many frames
 * (a 64-frame window, with room for its retransmissions; far below the 256 of a wrap). */
export const FRAME_GHOST_FRAMES = 128;

/** After anyone on an interface asks us to explain an address, SIDs go out there
 * in full for this long (abbreviation.ts): whoever asked learns them. */
export const EXPLAIN_FULL_SIDS_MS = 10_000;
