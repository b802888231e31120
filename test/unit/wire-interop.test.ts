// Every UDP/4110 packet of every Serval DNA capture in test/fixtures/serval-dna:
// decoded by a receiver whose address book learns as it goes (seeded with the
// run's sid_*.txt SIDs, since most captures start after the daemons meshed),
// re-encoded byte for byte (envelope, frame headers with the capture's own
// address codes, link-state records, please-explain entries), and tallied.
// The tallies below were printed from the captures and then pinned.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { census, type Census } from "../helpers/wire-census";
import { INTEROP, interopPcaps } from "../helpers/wire-interop";

type Pinned = Omit<Census, "errors" | "mismatches" | "envelopes">;

const EXPECTED: Record<string, Pinned> = {
  "01_startup_discovery.pcap": {datagrams: 185,frames: 113,reencoded: 185,fullSidPackets: 2,frameKinds: {authcrypt: 5,explain: 4,"plain:18":10,"plain:2":94},addressCodes: {"abbrev1":85,"abbrev2":181,full: 4},invalidFrames: 0,unresolved: 0,linkStatePayloads: 94,linkRecords: {"flags 0x09":4,"flags 0x19":78,"flags 0x20":8,"flags 0x22":4},linkRecordsReencoded: 94,explainEntries: {prefix: 2},explainReencoded: 4},
  "02_msp_hello.pcap": {datagrams: 43,frames: 25,reencoded: 43,fullSidPackets: 0,frameKinds: {authcrypt: 3,"plain:18":2,"plain:2":20},addressCodes: {"abbrev1":21,"abbrev2":43},invalidFrames: 0,unresolved: 0,linkStatePayloads: 20,linkRecords: {"flags 0x19":18,"flags 0x20":2},linkRecordsReencoded: 20,explainEntries: {},explainReencoded: 0},
  "03_msp_64KiB_stdio.pcap": {datagrams: 115,frames: 112,reencoded: 115,fullSidPackets: 0,frameKinds: {authcrypt: 83,"plain:18":2,"plain:2":27},addressCodes: {"abbrev1":96,"abbrev2":115,previous: 12},invalidFrames: 0,unresolved: 0,linkStatePayloads: 27,linkRecords: {"flags 0x19":25,"flags 0x20":2},linkRecordsReencoded: 27,explainEntries: {},explainReencoded: 0},
  "04_forward_hello.pcap": {datagrams: 40,frames: 21,reencoded: 40,fullSidPackets: 0,frameKinds: {authcrypt: 5,"plain:2":16},addressCodes: {"abbrev1":19,"abbrev2":40,previous: 2},invalidFrames: 0,unresolved: 0,linkStatePayloads: 16,linkRecords: {"flags 0x19":16},linkRecordsReencoded: 16,explainEntries: {},explainReencoded: 0},
  "05_forward_1MiB_upload.pcap": {datagrams: 1278,frames: 1443,reencoded: 1278,fullSidPackets: 0,frameKinds: {authcrypt: 1304,"plain:18":2,"plain:2":137},addressCodes: {"abbrev1":1254,"abbrev2":1278,previous: 185},invalidFrames: 0,unresolved: 0,linkStatePayloads: 137,linkRecords: {"flags 0x19":135,"flags 0x20":2},linkRecordsReencoded: 137,explainEntries: {},explainReencoded: 0},
  "06_forward_1MiB_download.pcap": {datagrams: 1276,frames: 1428,reencoded: 1276,fullSidPackets: 0,frameKinds: {authcrypt: 1290,"plain:18":2,"plain:2":136},addressCodes: {"abbrev1":1252,"abbrev2":1276,previous: 172},invalidFrames: 0,unresolved: 0,linkStatePayloads: 136,linkRecords: {"flags 0x19":134,"flags 0x20":2},linkRecordsReencoded: 136,explainEntries: {},explainReencoded: 0},
  "07_forward_1MiB_upload_server_closes_early_DATALOSS.pcap": {datagrams: 1170,frames: 1416,reencoded: 1170,fullSidPackets: 0,frameKinds: {authcrypt: 1289,"plain:18":2,"plain:2":125},addressCodes: {"abbrev1":1147,"abbrev2":1170,previous: 265},invalidFrames: 0,unresolved: 0,linkStatePayloads: 125,linkRecords: {"flags 0x19":123,"flags 0x20":2},linkRecordsReencoded: 125,explainEntries: {},explainReencoded: 0},
  "08_idle_60s.pcap": {datagrams: 652,frames: 324,reencoded: 652,fullSidPackets: 0,frameKinds: {"plain:18":28,"plain:2":296},addressCodes: {"abbrev1":268,"abbrev2":652},invalidFrames: 0,unresolved: 0,linkStatePayloads: 296,linkRecords: {"flags 0x19":268,"flags 0x20":28},linkRecordsReencoded: 296,explainEntries: {},explainReencoded: 0},
  "relay/line_B_vBA.pcap": {datagrams: 491,frames: 364,reencoded: 491,fullSidPackets: 2,frameKinds: {authcrypt: 136,explain: 6,"plain:18":18,"plain:2":204},addressCodes: {"abbrev1":432,"abbrev2":485,full: 6,previous: 1},invalidFrames: 0,unresolved: 0,linkStatePayloads: 204,linkRecords: {"flags 0x09":4,"flags 0x19":161,"flags 0x20":34,"flags 0x22":5},linkRecordsReencoded: 204,explainEntries: {prefix: 3,sid: 1},explainReencoded: 6},
  "relay/line_B_vBC.pcap": {datagrams: 465,frames: 335,reencoded: 465,fullSidPackets: 2,frameKinds: {authcrypt: 118,explain: 6,"plain:18":16,"plain:2":195},addressCodes: {"abbrev1":389,"abbrev2":459,full: 6,previous: 1},invalidFrames: 0,unresolved: 0,linkStatePayloads: 195,linkRecords: {"flags 0x09":4,"flags 0x19":154,"flags 0x20":33,"flags 0x22":4},linkRecordsReencoded: 195,explainEntries: {prefix: 3,signkey: 1},explainReencoded: 6},
  "relay/loss10_A_out_nflog.pcap": {datagrams: 455,frames: 437,reencoded: 455,fullSidPackets: 2,frameKinds: {authcrypt: 356,explain: 2,"plain:18":2,"plain:2":77},addressCodes: {"abbrev1":418,"abbrev2":453,full: 2,previous: 5},invalidFrames: 0,unresolved: 0,linkStatePayloads: 77,linkRecords: {"flags 0x09":4,"flags 0x19":67,"flags 0x20":4,"flags 0x22":2},linkRecordsReencoded: 77,explainEntries: {prefix: 2},explainReencoded: 2},
  "relay/loss10_A_vAB.pcap": {datagrams: 564,frames: 606,reencoded: 564,fullSidPackets: 2,frameKinds: {authcrypt: 462,explain: 4,"plain:18":4,"plain:2":136},addressCodes: {"abbrev1":505,"abbrev2":560,full: 4,previous: 81},invalidFrames: 0,unresolved: 0,linkStatePayloads: 136,linkRecords: {"flags 0x09":5,"flags 0x19":121,"flags 0x20":7,"flags 0x22":3},linkRecordsReencoded: 136,explainEntries: {prefix: 2},explainReencoded: 4},
  "relay/loss10_B_out_nflog.pcap": {datagrams: 175,frames: 239,reencoded: 175,fullSidPackets: 0,frameKinds: {authcrypt: 158,explain: 2,"plain:18":2,"plain:2":77},addressCodes: {"abbrev1":148,"abbrev2":173,full: 2,previous: 83},invalidFrames: 0,unresolved: 0,linkStatePayloads: 77,linkRecords: {"flags 0x09":1,"flags 0x19":70,"flags 0x20":4,"flags 0x22":2},linkRecordsReencoded: 77,explainEntries: {},explainReencoded: 2},
  "relay/loss10stall_A_vAB.pcap.xz": {datagrams: 1713,frames: 1793,reencoded: 1713,fullSidPackets: 2,frameKinds: {authcrypt: 1686,explain: 4,"plain:18":5,"plain:2":98},addressCodes: {"abbrev1":1671,"abbrev2":1709,full: 4,previous: 97},invalidFrames: 0,unresolved: 0,linkStatePayloads: 98,linkRecords: {"flags 0x09":4,"flags 0x19":82,"flags 0x20":6,"flags 0x22":6},linkRecordsReencoded: 98,explainEntries: {prefix: 2},explainReencoded: 4},
};

function pinnedPart(c: Census): Pinned {
  const { errors: _e, mismatches: _m, envelopes: _v, ...rest } = c;
  return rest;
}

test("every capture file is covered by the pinned table", () => {
  const names = interopPcaps().map((p) => p.slice(INTEROP.length + 1));
  assert.equal(names.sort(), Object.keys(EXPECTED).sort());
});

for (const path of interopPcaps()) {
  const name = path.slice(INTEROP.length + 1);
  test(`${name}: decodes with zero errors and re-encodes every packet byte for byte`, () => {
    const c = census(path, true);
    assert.equal(c.errors, []);
    assert.equal(c.mismatches, []);
    assert.is(c.reencoded, c.datagrams);
    assert.is(c.invalidFrames, 0);
    assert.is(c.linkRecordsReencoded, Object.values(c.linkRecords).reduce((a, b) => a + b, 0));
    assert.equal(pinnedPart(c), EXPECTED[name]);
  });
}

// A receiver that knows nothing in advance, on the captures that start before
// the daemons: it learns SIDs from full-SID envelopes and please-explain
// replies, so all but a few early addresses resolve.
const UNSEEDED: Record<string, { invalidFrames: number; unresolved: number; reencoded: number }> = {
  "01_startup_discovery.pcap": { invalidFrames: 0, unresolved: 2, reencoded: 183 },
  "relay/line_B_vBA.pcap": { invalidFrames: 0, unresolved: 3, reencoded: 489 },
  "relay/line_B_vBC.pcap": { invalidFrames: 1, unresolved: 3, reencoded: 462 },
  "relay/loss10_A_vAB.pcap": { invalidFrames: 0, unresolved: 2, reencoded: 562 },
};
for (const [name, want] of Object.entries(UNSEEDED)) {
  test(`${name}: a receiver with an empty address book learns every SID`, () => {
    const c = census(`${INTEROP}/${name}`, false);
    assert.equal(c.errors, []);
    assert.equal(
      { invalidFrames: c.invalidFrames, unresolved: c.unresolved, reencoded: c.reencoded },
      want,
    );
  });
}

test.run();
