// Service discovery (spec 8.8): the query bytes and the reply parser of `msp discover`.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { encodeServiceQuery, parseServiceReply } from "../../src/client/service-discovery";

test("query: the pattern then one NUL; empty pattern is a lone NUL", () => {
  assert.equal(Array.from(encodeServiceQuery("web")), [0x77, 0x65, 0x62, 0]);
  assert.equal(Array.from(encodeServiceQuery("")), [0]);
});

test("reply: our documented .mdp.port form and Serval DNA's .msp.port form, no trailing newline", () => {
  assert.equal(parseServiceReply("web.mdp.port=512"), [{ name: "web", port: 512 }]);
  assert.equal(parseServiceReply("web.msp.port=512"), [{ name: "web", port: 512 }]);
});

test("reply: several name=value lines, CRLF, trailing NUL, unrelated keys skipped", () => {
  const text = "web.mdp.port=512\r\nweb.description=hello=world\nssh.msp.port=22\nmy.svc.mdp.port=4294967295\0";
  assert.equal(parseServiceReply(text), [
    { name: "web", port: 512 }, { name: "ssh", port: 22 }, { name: "my.svc", port: 4294967295 },
  ]);
});

test("reply: malformed lines yield nothing", () => {
  for (const bad of ["", "\n", "web.mdp.port", "web.mdp.port=", "web.mdp.port=0", "web.mdp.port=4294967296",
    "web.mdp.port=12x", ".mdp.port=5", "=5", "web.tcp.port=80", "web.mdp.portx=5"]) {
    assert.equal(parseServiceReply(bad), [], JSON.stringify(bad));
  }
});

test.run();
