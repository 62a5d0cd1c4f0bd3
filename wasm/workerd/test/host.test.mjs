// Checks the JavaScript host of the module (wasm/js/host.mjs) in Node,
// with the Worker's own WASI imports: a URL longer than the host accepts
// is refused without touching the instance, which keeps verifying.
// `make test-wasm` builds bin/signet.wasm first.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";

import { MAX_REQUEST_BYTES, RequestTooLongError, Verifier } from "../../js/host.mjs";
import { WASIShim } from "../../js/wasi.mjs";

const modulePath = new URL("../../../bin/signet.wasm", import.meta.url);

async function newVerifier() {
  const module = await WebAssembly.compile(await readFile(modulePath));
  const shim = new WASIShim({ GOMEMLIMIT: "48MiB" });
  const instance = new WebAssembly.Instance(module, shim.imports);
  shim.initialize(instance);
  return new Verifier(instance.exports, { keys: [{ id: "k", secret: "0123456789abcdef" }] });
}

test("a URL over MAX_REQUEST_BYTES is refused and the instance stays usable", async () => {
  const verifier = await newVerifier();
  const long = `http://h.example/${"a".repeat(MAX_REQUEST_BYTES)}`;
  assert.throws(() => verifier.verify(long, "", Date.now()), RequestTooLongError);
  const result = verifier.verify("http://h.example/a.mp4", "", Date.now());
  assert.equal(result.status, 401);
  assert.equal(result.reason, "unsigned");
});
