// luci-app-serval in a real browser against the real LuCI (built from
// test/openwrt/luci/): Debian's chromium, headless, driven by playwright-core,
// in the LuCI root's network namespace (test/openwrt/luci/browser.sh keeps
// the stack running). Logs in, sees this node's SID, the neighbour and the
// mesh picture and the daemon's counters; adds a tunnel in the form, Save &
// Apply, sees its procd instance and its row on the status page; sees a
// tunnel's open stream; stops the daemon and sees the page say so.
// Screenshots into docs/luci-serval-*.png.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { join } from "node:path";
import { missing, prepare, repo, results, start } from "../openwrt/luci";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const why = missing() ?? (existsSync(CHROMIUM) ? null : `no ${CHROMIUM} (Debian package chromium)`);
if (why) {
  console.log(`SKIPPED: luci-app-serval browser suite: ${why}`);
  test("luci-app-serval browser suite: prerequisites", () => assert.unreachable(why));
  test.run();
} else {
  await main();
}

async function main(): Promise<void> {
  // From node_modules at run time (test/run.mjs bundles the test; playwright
  // must not be bundled).
  const pw = createRequire(join(repo, "package.json"))("playwright-core") as typeof import("playwright-core");
  const { chromium } = pw;
  const t0 = Date.now();
  const run = start("browser", prepare());
  const pid = await run.nspid;
  await run.waitFor(/^(READY|DONE)$/m);
  // A command inside the root (its mounts, network, pids and chroot).
  const inRoot = (cmd: string): string => {
    const r = spawnSync("nsenter", ["-t", String(pid), "-m", "-n", "-p", "chroot", run.root(), "/bin/sh", "-c",
      `export PATH=/usr/sbin:/usr/bin:/sbin:/bin; ${cmd}`], { encoding: "utf8" });
    return r.stdout + r.stderr;
  };
  const ubus = (obj: string, method: string, arg = "{}"): Record<string, unknown> =>
    JSON.parse(inRoot(`ubus call ${obj} ${method} '${arg}'`)) as Record<string, unknown>;
  const self = String(ubus("serval", "status").sid);
  const neighbour = inRoot("cat /root/neighbour.sid").trim();
  const far = inRoot("cat /root/far.sid").trim();
  const tmp = mkdtempSync(join(tmpdir(), "luci-browser-"));
  const wrapper = join(tmp, "chromium");
  writeFileSync(wrapper, `#!/bin/sh\nexec nsenter -t ${pid} -n ${CHROMIUM} "$@"\n`);
  chmodSync(wrapper, 0o755);
  const browser = await chromium.launch({
    executablePath: wrapper,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.setDefaultTimeout(30_000);
  const base = "http://127.0.0.1:8080/cgi-bin/luci";
  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(repo, "docs", name), fullPage: true });
  const tunnel = "web";
  // Waits (the page polls every 5 s) until the first element matching sel has this text.
  const waitText = async (sel: string, want: string, ms = 30_000): Promise<void> => {
    for (const end = Date.now() + ms; ;) {
      const got = await page.locator(sel).first().textContent({ timeout: 1000 }).catch(() => null);
      if (got === want) return;
      if (Date.now() > end) throw new Error(`${sel}: '${got}' after ${ms} ms, wanted '${want}'`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  test("browser: the stack came up (READY)", () => {
    assert.ok(/^READY$/m.test(run.text()), "browser.sh did not get ready (see the transcript above)");
    assert.is(self.length, 64);
    assert.is(neighbour.length, 64);
    assert.is(far.length, 64);
  });

  test("browser: log in as root", async () => {
    await page.goto(`${base}/`);
    await page.fill("#luci_password", "luci-test");
    await page.press("#luci_password", "Enter");
    // logged in: the page (same URL) now has the menu with "Log out"
    await page.waitForSelector('a[href$="/admin/logout"]');
    assert.is(await page.locator("#luci_password").count(), 0, "still on the login form");
  });

  test("browser: Services -> Serval Mesh in the menu", async () => {
    await page.goto(`${base}/admin/status/overview`);
    const link = page.locator('a[href$="/admin/services/serval"]');
    assert.is(await link.count() > 0, true, "menu entry admin/services/serval");
  });

  test("browser: status shows this node's SID, the neighbour and the mesh picture", async () => {
    await page.goto(`${base}/admin/services/serval`);
    await page.waitForSelector("#serval-self-sid");
    assert.is(await page.textContent("#serval-self-sid"), self);
    await page.waitForSelector(`#serval-routes code[data-sid="${neighbour}"]`);
    const short = await page.textContent(`#serval-routes code[data-sid="${neighbour}"]`);
    assert.is(short, `${neighbour.slice(0, 8)}…`);
    assert.is(await page.getAttribute(`#serval-routes code[data-sid="${neighbour}"]`, "title"), neighbour);
    assert.is(await page.locator(`svg.serval-mesh g.serval-node[data-sid="${neighbour}"]`).count(), 1);
    assert.is(await page.locator(`svg.serval-mesh g.serval-node[data-sid="${self}"]`).count(), 1);
    // the far node, two hops away through the neighbour: a dashed link from it
    assert.is(await page.locator(`svg.serval-mesh g.serval-node[data-sid="${far}"]`).count(), 1);
    assert.is(await page.locator("svg.serval-mesh line").count(), 2);
    assert.is(await page.locator('svg.serval-mesh line[stroke-dasharray="5,4"]').count(), 1);
    const farRow = page.locator(`#serval-routes tr:has(code[data-sid="${far}"]) td`);
    assert.is(await farRow.nth(2).textContent(), "2");
    assert.is(await farRow.nth(3).locator("code").getAttribute("title"), neighbour);
    assert.match(await page.textContent("#serval-daemon") ?? "", /^running/);
    // the daemon's counters (servald status --json): packets on mesh0, drops, tables
    const mesh0 = page.locator('#serval-interfaces tr[data-interface="mesh0"] td');
    assert.ok(Number(await mesh0.nth(2).textContent()) > 0, "packets in on mesh0");
    assert.ok(Number(await mesh0.nth(4).textContent()) > 0, "packets out on mesh0");
    assert.match(await page.textContent("#serval-counters .serval-tables") ?? "", /neighbours \d+\/64/);
    assert.is(await page.textContent("#serval-open-streams"), "0");
    await shot("luci-serval-status.png");
  });

  test("browser: add a tunnel in the form, Save & Apply -> procd instance", async () => {
    await page.goto(`${base}/admin/services/serval/config`);
    await page.waitForSelector(".cbi-section-create input");
    // LuCI checks the new section name on keyup (then enables "Add")
    await page.locator(".cbi-section-create input").pressSequentially(tunnel);
    await page.click(".cbi-section-create .cbi-button-add");
    const modal = page.locator(".modal");
    await modal.waitFor();
    await page.selectOption(`#widget\\.cbid\\.serval\\.${tunnel}\\.mode`, "listen");
    // the init script's validation: 0 is no MDP port
    await page.fill(`#widget\\.cbid\\.serval\\.${tunnel}\\.mdp_port`, "0");
    await page.fill(`#widget\\.cbid\\.serval\\.${tunnel}\\.tcp_port`, "8080");
    await page.click(".modal .cbi-button-positive");
    assert.ok(await modal.isVisible(), "the form refuses MDP port 0");
    await page.fill(`#widget\\.cbid\\.serval\\.${tunnel}\\.mdp_port`, "80");
    await page.fill(`#widget\\.cbid\\.serval\\.${tunnel}\\.service`, "web");
    await page.click(".modal .cbi-button-positive");
    await modal.waitFor({ state: "hidden" });
    await page.waitForSelector(`#cbi-serval-${tunnel}`);
    await shot("luci-serval-config.png");
    await page.click(".cbi-page-actions .cbi-button-apply");
    await page.waitForSelector("text=Configuration changes applied.", { timeout: 60_000 });
    let inst = "";
    for (let i = 0; i < 50 && !/"tunnel_web":\{"running":true/.test(inst); i++) {
      inst = inRoot(`ubus call service list '{"name":"servald"}' | tr -d ' \\n\\t'`);
      await new Promise((r) => setTimeout(r, 200));
    }
    console.log(`# ubus call service list: ${inst.slice(0, 400)}`);
    assert.match(inst, /"tunnel_web":\{"running":true/);
    assert.match(inst, /"command":\["\/usr\/sbin\/servald","msp","listen","--forward=8080","--service=web","80"\]/);
    assert.match(inRoot("uci show serval.web"), /serval\.web\.mdp_port='80'/);
  });

  test("browser: the status page shows the tunnel running", async () => {
    await page.goto(`${base}/admin/services/serval`);
    const row = page.locator(`#serval-tunnels tr[data-tunnel="${tunnel}"] .serval-tunnel-state`);
    await row.waitFor();
    assert.match(await row.textContent() ?? "", /^running \(pid \d+\)$/);
  });

  test("browser: a tunnel with an open stream (connect tunnel 'hold' to the neighbour, one TCP connection held)", async () => {
    const out = inRoot(". /root/lib.sh; . /root/luci-lib.sh; open_stream > /tmp/open-stream.log 2>&1 < /dev/null; echo rc=$?");
    assert.match(out, /rc=0/, inRoot("cat /tmp/open-stream.log"));
    await page.goto(`${base}/admin/services/serval`);
    const cell = page.locator('#serval-tunnels tr[data-tunnel="hold"] .serval-tunnel-streams');
    await waitText('#serval-tunnels tr[data-tunnel="hold"] .serval-tunnel-streams', "1");
    assert.match(await cell.locator("span").getAttribute("title") ?? "", /^\d+ opened since start; /);
    assert.is(await page.textContent("#serval-open-streams"), "1");
    // its bytes come with the tunnel's next report (every 5 s)
    await waitText('#serval-tunnels tr[data-tunnel="hold"] td:last-child', "25 B / 23 B");
    await shot("luci-serval-tunnels.png");
    console.log(`# ubus call serval tunnels (hold): ${JSON.stringify((ubus("serval", "tunnels").tunnels as { name: string }[]).find((t) => t.name === "hold"))}`);
    inRoot(". /root/lib.sh; . /root/luci-lib.sh; close_stream");
    await waitText('#serval-tunnels tr[data-tunnel="hold"] .serval-tunnel-streams', "0");
  });

  test("browser: no peers -> the page says so (live, by poll)", async () => {
    // meshing on a device that does not exist: servald restarts alone
    inRoot("uci delete serval.main.interface; uci add_list serval.main.interface=none0; uci commit serval; reload_config");
    await page.waitForSelector("#serval-no-peers", { timeout: 30_000 });
    assert.match(await page.textContent("#serval-no-peers") ?? "", /^No peers/);
    assert.is(await page.locator("svg.serval-mesh").count(), 0);
    assert.match(await page.textContent("#serval-daemon") ?? "", /^running/);
  });

  test("browser: daemon stopped -> the page says so (live, by poll)", async () => {
    console.log(`# ${inRoot("/etc/init.d/servald stop; echo rc=$?").trim()}`);
    await page.waitForSelector("#serval-not-running", { timeout: 30_000 });
    assert.match(await page.textContent("#serval-not-running") ?? "", /not running/);
    assert.match(await page.textContent("#serval-daemon") ?? "", /^not running/);
    await shot("luci-serval-stopped.png");
  });

  test.after(async () => {
    await browser.close();
    inRoot("touch /tmp/browser-done");
    rmSync(tmp, { recursive: true, force: true });
  });

  test("browser: scenario checks", async () => {
    inRoot("touch /tmp/browser-done");
    const transcript = await run.done;
    const { got, expected } = results(transcript, "browser");
    for (const name of expected) assert.is(got.get(name), "PASS", name);
    assert.ok(/^DONE$/m.test(transcript), "browser.sh ended");
    console.log(`# browser suite: ${((Date.now() - t0) / 1000).toFixed(0)} s in all`);
  });
  test.run();
}
