// Moved to src/wire/client-header.ts (the one client-header codec). Kept only
// for src/msp/mdp-client-socket.ts (H6) until its import is switched; do not use.
export { MDP_FLAG_NO_CRYPT, MDP_FLAG_NO_SIGN } from "../wire/client-header";
