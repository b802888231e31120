// Moved to src/wire/bytes.ts (the one hex implementation). Kept only for
// test/unit/msp-pcap-replay.test.ts (H6's, with edits in progress): switch it
// to ../../src/wire/bytes (parseHex where undefined is wanted) and delete this.
export { bytesEqual, parseHex as fromHex, toHex } from "../wire/bytes";
