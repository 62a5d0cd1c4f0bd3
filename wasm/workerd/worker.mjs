// An example Cloudflare Worker that verifies every request with the signet
// WebAssembly module. A rejected request gets the verifier's status (401,
// 400, 403 or 410), the X-Signet-Reason header and a JSON body, as from
// signet serve. An accepted GET or HEAD request goes to the ORIGIN service
// binding, or gets 200 with a static body when there is none.
//
// Modules: signet.wasm (the reactor, bin/signet.wasm), host.mjs and
// wasi.mjs (from wasm/js). Bindings: SIGNET_KEYS (a JSON array of {"id",
// "secret"}), SIGNET_STRICT ("false" for non-strict resource comparison),
// ORIGIN (an optional service).

import { RequestTooLongError, Verifier } from "./host.mjs";
import signetModule from "./signet.wasm";
import { WASIShim } from "./wasi.mjs";

const MESSAGES = {
  unsigned: "the URL is not signed",
  "missing-parameter": "policy, keyId and signature must all be present and non-empty",
  "duplicate-parameter": "policy, keyId or signature is given more than once",
  "unknown-key": "the URL is signed with an unknown key",
  "malformed-policy": "the policy is malformed",
  "invalid-signature": "the signature does not match the policy",
  "ip-mismatch": "the URL is signed for another client address",
  "resource-mismatch": "the URL is signed for another resource",
  expired: "the signed URL has expired",
  "not-yet-valid": "the signed URL is not valid yet",
  "ambiguous-path": "the URL path has an empty, '.' or '..' segment, also before a ';', or an encoded slash; request the normalized path",
};

// ambiguousPath reports whether a URL path has an empty segment, an
// encoded slash or backslash, or a segment that is empty, "." or ".."
// before a ";" path parameter, which signet serve and signet edge reject
// with ambiguous-path. The URL parser has already removed "." and ".."
// segments, as the verifier does, but an origin that merges slashes,
// decodes %2F into a separator or drops path parameters before it removes
// dot segments (Tomcat, Jetty) could open another file than the one the
// signature covers.
function ambiguousPath(pathname) {
  return /\/\/|%2f|%5c|\/(\.|%2e){0,2}(;|%3b)/i.test(pathname);
}

// verifier is this isolate's instance, made on the first request. An
// isolate runs one request's JavaScript at a time, so it needs no lock.
let verifier = null;

function newVerifier(env) {
  const shim = new WASIShim({ GOMEMLIMIT: "48MiB" });
  const instance = new WebAssembly.Instance(signetModule, shim.imports);
  shim.initialize(instance);
  return new Verifier(instance.exports, { keys: env.SIGNET_KEYS, strict: env.SIGNET_STRICT !== "false" });
}

// verify verifies the request and drops the instance when the call
// throws, because a trapped instance cannot be used again.
function verify(request, env, now) {
  verifier ??= newVerifier(env);
  // NOTE: CF-Connecting-IP is set by Cloudflare's edge. A workerd that
  // clients reach directly must not trust a client's copy of it.
  const clientIp = request.headers.get("CF-Connecting-IP") ?? "";
  try {
    return verifier.verify(request.url, clientIp, now);
  } catch (err) {
    if (!(err instanceof RequestTooLongError)) {
      verifier = null;
    }
    throw err;
  }
}

function problem(status, message, reason) {
  const headers = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  };
  if (reason) {
    headers["X-Signet-Reason"] = reason;
  }
  return new Response(JSON.stringify({ error: message, reason }) + "\n", { status, headers });
}

// MAX_AGE bounds the max-age of an accepted response, in seconds, as
// signet serve does.
const MAX_AGE = 86400;

// cacheControl lets caches keep the response only until the token expires.
function cacheControl(validUntil, now) {
  const seconds = Math.floor((validUntil - now) / 1000);
  return seconds > 0 ? `private, max-age=${Math.min(seconds, MAX_AGE)}` : "no-store";
}

// forward passes the request to the origin and replaces the origin's
// Cache-Control with the token's, unless the origin forbids storing the
// response.
async function forward(request, origin, cache) {
  const upstream = await origin.fetch(request);
  const response = new Response(upstream.body, upstream);
  const noStore = /(^|,)\s*no-store\s*(,|=|$)/i.test(upstream.headers.get("Cache-Control") ?? "");
  response.headers.set("Cache-Control", upstream.status >= 400 || noStore ? "no-store" : cache);
  return response;
}

export default {
  async fetch(request, env) {
    if (request.method !== "GET" && request.method !== "HEAD") {
      const response = problem(405, `method ${request.method} not allowed; use GET, HEAD`);
      response.headers.set("Allow", "GET, HEAD");
      return response;
    }
    if (ambiguousPath(new URL(request.url).pathname)) {
      return problem(400, MESSAGES["ambiguous-path"], "ambiguous-path");
    }
    const now = Date.now();
    let result;
    try {
      result = verify(request, env, now);
    } catch (err) {
      if (err instanceof RequestTooLongError) {
        return problem(414, `request URL too long: ${err.message}`);
      }
      console.error("WebAssembly verification failed:", err);
      return problem(500, "internal server error");
    }
    if (result.status !== 200) {
      return problem(result.status, MESSAGES[result.reason] ?? "the URL is not accepted", result.reason);
    }
    const cache = cacheControl(result.validUntil, now);
    if (env.ORIGIN) {
      return forward(request, env.ORIGIN, cache);
    }
    const body = request.method === "HEAD" ? null : "signet: the signed URL is valid\n";
    return new Response(body, { headers: { "Cache-Control": cache, "Content-Type": "text/plain" } });
  },
};
