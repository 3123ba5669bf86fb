// crypto-vectors: runs the known-answer vector checks and prints a JSON summary on stdout.
// Built as the WASI command dist/wasi/crypto-vectors.wasm (run under Node by
// tests/wasm/crypto_vectors.test.mjs) and natively as crypto-vectors (a CTest case).
//
//   crypto-vectors [DIR]      DIR defaults to /vectors (the WASI preopen)
//
// Exit status: 0 every vector agrees, 1 a vector disagrees or a file is unreadable,
// 77 the vectors folder is absent (skip, with a message on stderr).
#include <cstdio>
#include <string>

#include "vector_checks.h"

namespace {

bool read_file(const std::string& path, std::string& out) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  bool ok = !std::ferror(f);
  std::fclose(f);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : "/vectors";
  std::string readme;
  if (!read_file(dir + "/README.md", readme)) {
    std::fprintf(stderr, "crypto-vectors: SKIP: vectors folder %s is absent (no README.md)\n", dir.c_str());
    return 77;
  }
  mb::Json summary = mb::Json::object();
  summary["vectors_dir"] = dir;
  bool all_ok = true;
  summary["ok"] = true;
  summary["files"] = mb::Json::object();
  for (const mb::vectors::VectorFile& vf : mb::vectors::vector_files()) {
    std::string text;
    mb::vectors::VectorReport r;
    if (read_file(dir + "/" + vf.path, text))
      r = vf.check(text);
    else {
      r.name = vf.path;
      r.error = "cannot read " + dir + "/" + vf.path;
    }
    // A present folder with a missing or unreadable file fails: it would otherwise pass vacuously.
    if (!r.ok()) all_ok = false;
    summary["files"][vf.key] = mb::vectors::report_to_json(r);
  }
  summary["ok"] = all_ok;
  std::string out = mb::dump(summary);
  out += '\n';
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return all_ok ? 0 : 1;
}
