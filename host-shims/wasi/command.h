// The WASI command's host (dist/wasi/membership-cli.wasm; also built natively): one HTTP/1.1
// request on stdin, the response on stdout, one JSON log line per request on stderr; KV as files
// under /kv. Its entry is wasm/wasi_main.cpp.
//
//   wasmtime run --dir ./kv::/kv --env ROUTING=edge dist/wasi/membership-cli.wasm < request.http
//   ... membership-cli.wasm --ndjson < requests.ndjson   (one JSON request per line in, one response out)
#pragma once

namespace mb::wasi {

// The whole command: arguments, environment, stdin to stdout. Returns the exit status.
int run_command(int argc, char** argv);

}  // namespace mb::wasi
