// Runs the example Worker in workerd on loopback, in front of a loopback
// origin, and checks its responses to signed, unsigned, tampered and
// expired URLs. URLs are signed by bin/signet (set SIGNET_BIN for another path);
// `make test-wasm` builds it and bin/signet.wasm first.

import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const workerdDir = fileURLToPath(new URL("..", import.meta.url));
const signetBin = process.env.SIGNET_BIN ?? join(workerdDir, "../../bin/signet");
const workerdBin = join(workerdDir, "node_modules/.bin/workerd");
const KEY_ID = "demoKeyOne";
const SECRET = "6EDB5EDDCF994B7432C371D7C274F"; // the example key of config.capnp

let workerd, origin, dir, base;
let workerdOutput = "";

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "signet-workerd-"));
  origin = createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain", "Cache-Control": "public, max-age=999" });
    res.end(`origin ${req.url.split("?")[0]}\n`);
  });
  await new Promise((resolve) => origin.listen(0, "127.0.0.1", resolve));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  await writeFile(join(dir, "signet.conf"), `key.${KEY_ID}.secret = ${SECRET}\nkey.${KEY_ID}.url = ${base}/\n`);
  workerd = spawn(
    workerdBin,
    [
      "serve",
      "config.capnp",
      `--socket-addr=http=127.0.0.1:${port}`,
      `--external-addr=origin=127.0.0.1:${origin.address().port}`,
    ],
    { cwd: workerdDir, stdio: ["ignore", "pipe", "pipe"] },
  );
  workerd.stdout.on("data", (b) => (workerdOutput += b));
  workerd.stderr.on("data", (b) => (workerdOutput += b));
  await waitUntilListening(base);
});

after(async () => {
  workerd?.kill();
  origin?.close();
  if (dir) {
    await rm(dir, { recursive: true, force: true });
  }
});

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitUntilListening(url) {
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      await fetch(url);
      return;
    } catch (err) {
      if (workerd.exitCode !== null || Date.now() > deadline) {
        throw new Error(`workerd did not start listening on ${url}: ${err.message}\n${workerdOutput}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function sign(url, ...flags) {
  const { stdout } = await promisify(execFile)(signetBin, ["sign", "--config", join(dir, "signet.conf"), ...flags, url]);
  return stdout.trim();
}

async function get(url) {
  const res = await fetch(url);
  return { status: res.status, reason: res.headers.get("X-Signet-Reason"), res, body: await res.text() };
}

test("signed URL reaches the origin", async () => {
  const { status, res, body } = await get(await sign(`${base}/engage/a.mp4`));
  assert.equal(status, 200, body);
  assert.equal(body, "origin /engage/a.mp4\n");
  assert.match(res.headers.get("Cache-Control"), /^private, max-age=\d+$/);
});

test("unsigned URL gets 401", async () => {
  const { status, reason, res } = await get(`${base}/engage/a.mp4`);
  assert.equal(status, 401);
  assert.equal(reason, "unsigned");
  assert.equal(res.headers.get("Cache-Control"), "no-store");
});

test("tampered signature gets 403", async () => {
  const signed = await sign(`${base}/engage/a.mp4`);
  const last = signed.at(-1);
  const { status, reason } = await get(signed.slice(0, -1) + (last === "0" ? "1" : "0"));
  assert.equal(status, 403);
  assert.equal(reason, "invalid-signature");
});

test("other resource gets 403", async () => {
  const signed = await sign(`${base}/engage/a.mp4`);
  const { status, reason } = await get(signed.replace("/a.mp4", "/b.mp4"));
  assert.equal(status, 403);
  assert.equal(reason, "resource-mismatch");
});

test("expired URL gets 410", async () => {
  const signed = await sign(`${base}/engage/a.mp4`, "--valid-until", "+1s");
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const { status, reason } = await get(signed);
  assert.equal(status, 410);
  assert.equal(reason, "expired");
});

test("path with an empty segment, an encoded slash or a dot segment before ';' gets 400", async () => {
  const signed = await sign(`${base}/engage/a.mp4`);
  for (const path of ["/engage//a.mp4", "/engage%2Fa.mp4", "/engage/x%2f..%2fa.mp4", "/engage/x/..;/a.mp4", "/engage/x/%2e%2E%3bv/a.mp4", "/engage/;v/a.mp4"]) {
    const { status, reason, body } = await get(signed.replace("/engage/a.mp4", path));
    assert.equal(status, 400, `${path}: ${body}`);
    assert.equal(reason, "ambiguous-path", path);
  }
});

test("POST gets 405", async () => {
  const res = await fetch(`${base}/engage/a.mp4`, { method: "POST" });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get("Allow"), "GET, HEAD");
});
