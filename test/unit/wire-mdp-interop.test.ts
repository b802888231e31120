// Every authcrypted MDP frame of every interop capture, opened with the
// capture's keyrings (tweetnacl, in the test helper), then: ports header
// decoded and re-encoded byte for byte; port-1 keymap messages decoded, the
// responses' signatures (over the raw SID) verified, and re-encoded; port-7
// ping payloads decoded and re-encoded. Tallies printed from the captures, then pinned.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mdpCensus, type MdpCensus } from "../helpers/wire-mdp-census";
import { INTEROP, interopPcaps } from "../helpers/wire-interop";

const EXPECTED: Record<string, Omit<MdpCensus, "failures">> = {
  "01_startup_discovery.pcap": {"authcrypt":5,"opened":5,"ports":{"1<-1":5},"portsReencoded":5,"keymap":{"request":2,"response":3},"keymapSignaturesValid":3,"pings":0,"pingReencoded":0,"pingSeqs":[]},
  "02_msp_hello.pcap": {"authcrypt":3,"opened":3,"ports":{"512<-257":2,"257<-512":1},"portsReencoded":3,"keymap":{},"keymapSignaturesValid":0,"pings":0,"pingReencoded":0,"pingSeqs":[]},
  "03_msp_64KiB_stdio.pcap": {"authcrypt":83,"opened":83,"ports":{"512<-261":64,"261<-512":19},"portsReencoded":83,"keymap":{},"keymapSignaturesValid":0,"pings":0,"pingReencoded":0,"pingSeqs":[]},
  "04_forward_hello.pcap": {"authcrypt":5,"opened":5,"ports":{"512<-258":3,"258<-512":2},"portsReencoded":5,"keymap":{},"keymapSignaturesValid":0,"pings":0,"pingReencoded":0,"pingSeqs":[]},
  "05_forward_1MiB_upload.pcap": {"authcrypt":1304,"opened":1304,"ports":{"512<-265":1026,"265<-512":278},"portsReencoded":1304,"keymap":{},"keymapSignaturesValid":0,"pings":0,"pingReencoded":0,"pingSeqs":[]},
  "06_forward_1MiB_download.pcap": {"authcrypt":1290,"opened":1290,"ports":{"512<-267":264,"267<-512":1026},"portsReencoded":1290,"keymap":{},"keymapSignaturesValid":0,"pings":0,"pingReencoded":0,"pingSeqs":[]},
  "07_forward_1MiB_upload_server_closes_early_DATALOSS.pcap": {"authcrypt":1289,"opened":1289,"ports":{"512<-259":936,"259<-512":353},"portsReencoded":1289,"keymap":{},"keymapSignaturesValid":0,"pings":0,"pingReencoded":0,"pingSeqs":[]},
  "08_idle_60s.pcap": {"authcrypt":0,"opened":0,"ports":{},"portsReencoded":0,"keymap":{},"keymapSignaturesValid":0,"pings":0,"pingReencoded":0,"pingSeqs":[]},
  "relay/line_B_vBA.pcap": {"authcrypt":136,"opened":136,"ports":{"1<-1":5,"7<-257":27,"257<-7":5,"512<-258":8,"258<-512":1,"512<-259":72,"259<-512":18},"portsReencoded":136,"keymap":{"request":3,"response":2},"keymapSignaturesValid":2,"pings":32,"pingReencoded":32,"pingSeqs":[60533097,60533098,60533099,60533100,60533101]},
  "relay/line_B_vBC.pcap": {"authcrypt":118,"opened":118,"ports":{"1<-1":5,"7<-257":5,"257<-7":15,"512<-258":2,"258<-512":3,"512<-259":64,"259<-512":24},"portsReencoded":118,"keymap":{"request":3,"response":2},"keymapSignaturesValid":2,"pings":20,"pingReencoded":20,"pingSeqs":[60533097,60533098,60533099,60533100,60533101]},
  "relay/loss10_A_out_nflog.pcap": {"authcrypt":356,"opened":356,"ports":{"1<-1":3,"512<-257":353},"portsReencoded":356,"keymap":{"response":2,"request":1},"keymapSignaturesValid":2,"pings":0,"pingReencoded":0,"pingSeqs":[]},
  "relay/loss10_A_vAB.pcap": {"authcrypt":462,"opened":462,"ports":{"1<-1":5,"512<-257":315,"257<-512":142},"portsReencoded":462,"keymap":{"request":2,"response":3},"keymapSignaturesValid":3,"pings":0,"pingReencoded":0,"pingSeqs":[]},
  "relay/loss10_B_out_nflog.pcap": {"authcrypt":158,"opened":158,"ports":{"1<-1":2,"257<-512":156},"portsReencoded":158,"keymap":{"request":1,"response":1},"keymapSignaturesValid":1,"pings":0,"pingReencoded":0,"pingSeqs":[]},
  "relay/loss10stall_A_vAB.pcap.xz": {"authcrypt":1686,"opened":1686,"ports":{"1<-1":4,"512<-257":1532,"257<-512":150},"portsReencoded":1686,"keymap":{"request":2,"response":2},"keymapSignaturesValid":2,"pings":0,"pingReencoded":0,"pingSeqs":[]},
};

for (const path of interopPcaps()) {
  const name = path.slice(INTEROP.length + 1);
  test(`${name}: every authcrypted frame opens; ports, keymap and ping payloads round-trip`, () => {
    const { failures, ...rest } = mdpCensus(path);
    assert.equal(failures, []);
    assert.is(rest.opened, rest.authcrypt);
    assert.is(rest.portsReencoded, rest.opened);
    assert.is(rest.pingReencoded, rest.pings);
    assert.is(rest.keymapSignaturesValid, rest.keymap.response ?? 0);
    assert.equal(rest, EXPECTED[name]);
  });
}

test("mdp ping sequence numbers start at a random value (the CLI prints seq - first + 1)", () => {
  const seqs = mdpCensus(`${INTEROP}/relay/line_B_vBA.pcap`).pingSeqs;
  assert.is(seqs.length, 5);
  assert.is(seqs[4] - seqs[0], 4);
  assert.ok(seqs[0] > 5);
});

test.run();
