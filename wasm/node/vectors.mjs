// Runs the verify cases of conformance vector files through the signet
// WebAssembly module (the reactor) with Node's built-in WASI, and ends
// with the line "N passed, M failed".
//
//   node wasm/node/vectors.mjs MODULE FILE...
//
// Sign cases are counted and skipped: the module only verifies, and
// `signet vectors --engine wasm` runs them on the native core.

import { readFile } from "node:fs/promises";
import { Verifier } from "../js/host.mjs";

// Node warns on every run that WASI is experimental; the other warnings
// still print.
process.removeAllListeners("warning");
process.on("warning", (w) => {
  if (w.name !== "ExperimentalWarning") console.error(`${w.name}: ${w.message}`);
});
const { WASI } = await import("node:wasi");

// GOMEMLIMIT keeps the guest's heap small; the module needs only a few MiB.
const GOMEMLIMIT = "48MiB";

async function main(args) {
  if (args.length < 2) {
    console.error("usage: node wasm/node/vectors.mjs MODULE FILE...");
    return 2;
  }
  const [modulePath, ...files] = args;
  const module = await compileModule(modulePath);
  const verifiers = new Map();
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const file of files) {
    for (const c of await readCases(file)) {
      await runCase(module, verifiers, file, c, counts);
    }
  }
  console.log(
    `engine node:wasi: ${counts.passed + counts.failed} verify cases ran in the WebAssembly module, ` +
      `${counts.skipped} sign cases skipped (the module only verifies; signet vectors runs them on the native core)`,
  );
  console.log(`${counts.passed} passed, ${counts.failed} failed`);
  return counts.failed === 0 ? 0 : 1;
}

// compileModule reads and compiles the module, or throws an error that
// names the fix.
async function compileModule(path) {
  let bytes;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new Error(`cannot read the module ${path}: ${err.code ?? err.message}; build it with make wasm`);
  }
  try {
    return await WebAssembly.compile(bytes);
  } catch (err) {
    throw new Error(`${path} is not a valid WebAssembly module (${err.message}); build it with make wasm`);
  }
}

// readCases returns the cases of a vector file, or throws an error that
// names the file.
async function readCases(path) {
  let text;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new Error(`cannot read the vector file ${path}: ${err.code ?? err.message}`);
  }
  let cases;
  try {
    ({ cases } = JSON.parse(text));
  } catch (err) {
    throw new Error(`${path} is not JSON: ${err.message}`);
  }
  if (!Array.isArray(cases)) {
    throw new Error(`${path} has no "cases" array; give a conformance vector file`);
  }
  return cases;
}

async function runCase(module, verifiers, file, c, counts) {
  if (c.op === "sign") {
    counts.skipped++;
    return;
  }
  if (c.op !== "verify") {
    throw new Error(`${file}: case ${c.id}: unknown op ${JSON.stringify(c.op)}`);
  }
  const { keys, url, clientIp, now, strict } = c.input;
  const verifier = await verifierFor(module, verifiers, keys, strict);
  const got = verifier.verify(url, clientIp, now);
  if (got.status === c.expect.status && got.reason === c.expect.reason) {
    counts.passed++;
    return;
  }
  counts.failed++;
  console.log(`FAIL ${file}: ${c.id}`);
  console.log(`  input:    ${JSON.stringify(c.input)}`);
  console.log(`  expected: ${c.expect.status} ${c.expect.reason}`);
  console.log(`  actual:   ${got.status} ${got.reason}`);
}

// verifierFor returns a configured instance per distinct key set and
// strict flag, as the Go vector engine keeps one pool per configuration.
async function verifierFor(module, verifiers, keys, strict) {
  const ids = Object.keys(keys).sort();
  const config = { keys: ids.map((id) => ({ id, secret: keys[id] })), strict };
  const name = JSON.stringify(config);
  if (!verifiers.has(name)) {
    verifiers.set(name, await newVerifier(module, config));
  }
  return verifiers.get(name);
}

async function newVerifier(module, config) {
  const wasi = new WASI({ version: "preview1", args: [], env: { GOMEMLIMIT } });
  const instance = await WebAssembly.instantiate(module, {
    wasi_snapshot_preview1: wasi.wasiImport,
  });
  wasi.initialize(instance);
  return new Verifier(instance.exports, config);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  console.error(`vectors.mjs: ${err.message}`);
  process.exitCode = 2;
}
