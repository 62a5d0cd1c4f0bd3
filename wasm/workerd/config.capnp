# workerd configuration of the example Worker: verify every request with
# the signet module, then pass it to the origin on 127.0.0.1:9000.
#
#   make wasm
#   npx workerd serve config.capnp
#
# The test overrides both addresses with --socket-addr http=... and
# --external-addr origin=.... The key is an example: put your own keys in
# SIGNET_KEYS, and keep the file as secret as the keys.

using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .signetWorker),
    (name = "origin", external = (address = "127.0.0.1:9000", http = ())),
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:8082", http = (), service = "main"),
  ],
);

const signetWorker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "host.mjs", esModule = embed "../js/host.mjs"),
    (name = "wasi.mjs", esModule = embed "../js/wasi.mjs"),
    (name = "signet.wasm", wasm = embed "../../bin/signet.wasm"),
  ],
  bindings = [
    (name = "SIGNET_KEYS", json = "[{\"id\": \"demoKeyOne\", \"secret\": \"6EDB5EDDCF994B7432C371D7C274F\"}]"),
    (name = "SIGNET_STRICT", text = "true"),
    (name = "ORIGIN", service = "origin"),
  ],
  compatibilityDate = "2024-09-23",
);
