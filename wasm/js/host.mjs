// Host side of the signet module's reactor ABI, version 1, for JavaScript
// runtimes: the configuration record, the call buffer and the result
// record that wasm/README.md describes. The caller instantiates the module
// with its own WASI imports and calls _initialize first.

export const ABI_VERSION = 1;

// REASONS lists the reason codes: a reason's code is its index.
export const REASONS = [
  "ok",
  "unsigned",
  "missing-parameter",
  "duplicate-parameter",
  "unknown-key",
  "malformed-policy",
  "invalid-signature",
  "ip-mismatch",
  "resource-mismatch",
  "expired",
  "not-yet-valid",
];

const RESULT_SIZE = 24;
const INITIAL_BUFFER = 16 << 10;
const FLAG_VALID_UNTIL = 1;
const FLAG_PREFIX = 2;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// ModuleError is thrown when the module rejects a call or returns a value
// outside the ABI.
export class ModuleError extends Error {
  constructor(message) {
    super(message);
    this.name = "ModuleError";
  }
}

// MAX_REQUEST_BYTES bounds the URL and the client IP of one call, with the
// result record, as the Go host bounds them: a longer URL would grow the
// instance's memory, which never shrinks.
export const MAX_REQUEST_BYTES = 1 << 20;

// RequestTooLongError is thrown by verify for a URL and client IP longer
// than MAX_REQUEST_BYTES. The URL is at fault, not the instance, which
// stays usable.
export class RequestTooLongError extends Error {
  constructor(message) {
    super(message);
    this.name = "RequestTooLongError";
  }
}

// encodeConfig returns the configuration record for keys ({id, secret}
// pairs), the strict flag and the leeway in milliseconds.
export function encodeConfig({ keys, strict = true, leewayMs = 0 }) {
  const parts = keys.flatMap((k) => [encoder.encode(k.id), encoder.encode(k.secret)]);
  const size = 16 + parts.reduce((n, p) => n + 4 + p.length, 0);
  const record = new Uint8Array(size);
  const view = new DataView(record.buffer);
  view.setUint32(0, strict ? 0 : 1, true);
  view.setBigInt64(4, BigInt(leewayMs), true);
  view.setUint32(12, keys.length, true);
  let offset = 16;
  for (const p of parts) {
    view.setUint32(offset, p.length, true);
    record.set(p, offset + 4);
    offset += 4 + p.length;
  }
  return record;
}

// Verifier verifies requests on one initialized instance. It runs one
// call at a time, as the instance does.
export class Verifier {
  #exports;
  #buffer = 0;
  #size = 0;

  // The constructor checks the ABI version and configures the instance.
  constructor(exports, config) {
    this.#exports = exports;
    const version = exports.signet_abi_version();
    if (version !== ABI_VERSION) {
      throw new ModuleError(`the module has ABI version ${version}; this host needs ${ABI_VERSION}`);
    }
    this.#configure(encodeConfig(config));
    this.#grow(INITIAL_BUFFER);
  }

  #configure(record) {
    const ptr = this.#allocate(record.length);
    this.#bytes().set(record, ptr);
    const rc = this.#exports.signet_configure(ptr, record.length);
    this.#exports.signet_free(ptr);
    if (rc !== 0) {
      const packed = BigInt.asUintN(64, this.#exports.signet_last_error());
      const at = Number(packed >> 32n);
      const length = Number(packed & 0xffffffffn);
      throw new ModuleError("configuration rejected: " + decoder.decode(this.#bytes().subarray(at, at + length)));
    }
  }

  #allocate(size) {
    const ptr = this.#exports.signet_alloc(Math.max(size, 1)) >>> 0;
    if (ptr === 0) {
      throw new ModuleError(`the module cannot allocate ${size} bytes`);
    }
    return ptr;
  }

  #grow(size) {
    if (size <= this.#size) {
      return;
    }
    const ptr = this.#allocate(size);
    if (this.#buffer !== 0) {
      this.#exports.signet_free(this.#buffer);
    }
    this.#buffer = ptr;
    this.#size = size;
  }

  // The memory may grow during a call, which replaces its buffer, so each
  // access takes a fresh view.
  #bytes() {
    return new Uint8Array(this.#exports.memory.buffer);
  }

  // verify returns {status, reason, validUntil, keyIndex, prefix} for a
  // request URL exactly as the client sent it, the client IP as text
  // (empty for none) and the current time in Unix milliseconds.
  // validUntil is null when the policy was not read, keyIndex -1 when no
  // key was found.
  verify(url, clientIp, nowMs) {
    const urlBytes = encoder.encode(url);
    const ipBytes = encoder.encode(clientIp);
    const need = RESULT_SIZE + urlBytes.length + ipBytes.length;
    if (need > MAX_REQUEST_BYTES) {
      throw new RequestTooLongError(
        `a URL of ${urlBytes.length} bytes and a client address of ${ipBytes.length} bytes exceed ` +
          `the maximum of ${MAX_REQUEST_BYTES - RESULT_SIZE} bytes for both together; send a shorter URL`,
      );
    }
    this.#grow(need);
    const urlAt = this.#buffer + RESULT_SIZE;
    const ipAt = urlAt + urlBytes.length;
    const bytes = this.#bytes();
    bytes.set(urlBytes, urlAt);
    bytes.set(ipBytes, ipAt);
    const rc = this.#exports.signet_verify(urlAt, urlBytes.length, ipAt, ipBytes.length, BigInt(nowMs), this.#buffer);
    if (rc < 0) {
      throw new ModuleError(`signet_verify returned ${rc}`);
    }
    return this.#readResult();
  }

  #readResult() {
    const view = new DataView(this.#exports.memory.buffer, this.#buffer, RESULT_SIZE);
    const code = view.getInt32(4, true);
    if (code < 0 || code >= REASONS.length) {
      throw new ModuleError(`unknown reason code ${code}`);
    }
    const flags = view.getUint32(20, true);
    return {
      status: view.getInt32(0, true),
      reason: REASONS[code],
      validUntil: flags & FLAG_VALID_UNTIL ? Number(view.getBigInt64(8, true)) : null,
      keyIndex: view.getInt32(16, true),
      prefix: (flags & FLAG_PREFIX) !== 0,
    };
  }
}
