// Lab self-test: random loss is applied at the receiving end to all IP traffic.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Lab, udpProbe, type Link } from "../lab/index";

let lab: Lab;
let link: Link;

test.before(async () => {
  lab = await Lab.create();
  await lab.node("a");
  await lab.node("b");
  link = await lab.link("a", "b", { loss: 0.1 });
});
test.after(async () => {
  await lab.cleanup();
});

test("loss: 10% on a link loses 6-14% of 1000 UDP datagrams; sendto() never fails", async () => {
  const before = await lab.lossDrops(link, "b");
  const r = await udpProbe(lab, { from: "a", receiver: "b", to: link.ipB, count: 1000 });
  assert.is(r.sendErrors, 0, JSON.stringify(r.errorCodes));
  assert.is(r.sent, 1000);
  const lost = 1000 - r.received;
  assert.ok(lost >= 60 && lost <= 140, `lost ${lost}`);
  // Every loss is a drop by the rule in b's namespace (the receiver), none elsewhere.
  assert.is((await lab.lossDrops(link, "b")) - before, lost);
});

test("loss: subnet broadcasts are dropped the same way", async () => {
  const r = await udpProbe(lab, { from: "b", receiver: "a", to: link.broadcast, broadcast: true, count: 1000 });
  assert.is(r.sendErrors, 0);
  const lost = 1000 - r.received;
  assert.ok(lost >= 60 && lost <= 140, `lost ${lost}`);
});

test("loss: kernel TCP crosses the same lossy link (its packets hit the same rule) and delivers intact", async () => {
  const before = await lab.lossDrops(link, "b");
  const t = await lab.tcpTransfer("a", "b", 128 * 1024);
  assert.ok(t.sha256Match, JSON.stringify(t));
  assert.ok((await lab.lossDrops(link, "b")) - before >= 2, "TCP segments were dropped by the loss rule");
});

test("loss: shape() changes it at run time; \"%\" strings and per-direction overrides", async () => {
  await lab.shape(link, { loss: "30%", bToA: { loss: 0 } });
  assert.is(link.aToB.loss, 0.3);
  assert.is(link.bToA.loss, 0);
  const ab = await udpProbe(lab, { from: "a", receiver: "b", to: link.ipB, count: 500 });
  const lostAB = 500 - ab.received;
  assert.ok(lostAB >= 110 && lostAB <= 190, `a->b lost ${lostAB}`);
  const ba = await udpProbe(lab, { from: "b", receiver: "a", to: link.ipA, count: 500 });
  assert.is(ba.received, 500);
  await lab.shape(link, {});
  const clean = await udpProbe(lab, { from: "a", receiver: "b", to: link.ipB, count: 300 });
  assert.is(clean.received, 300);
});

test("loss: bad values are rejected", async () => {
  try {
    await lab.shape(link, { loss: 1.5 });
    assert.unreachable("accepted loss 1.5");
  } catch (e) {
    assert.match(String(e), /loss must be/);
  }
});

test.run();
