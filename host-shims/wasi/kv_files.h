// KV as files (the WASI command's store): one file per key under a directory.
//
// File name: the key with every byte outside [A-Za-z0-9._-] written as %XX (and a leading '.'
// or "h-" escaped), so `ls kv/` shows the keys and the name decodes back to the key. A name longer
// than 200 bytes becomes h-<sha256hex of the key>.
// Content: the value itself, so a test or a person can seed the store with `echo`. A value with a
// TTL, or under a hashed name, starts with one header line `#mb-kv v1 {"key":…,"expires_at":…}`.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace mb::wasi {

std::string encode_key(const std::string& key);
std::optional<std::string> decode_name(const std::string& name);

struct KvResult {
  bool ok = true;
  std::string error;
  std::optional<std::string> value;
};

class KvFiles {
 public:
  explicit KvFiles(std::string dir) : dir_(std::move(dir)) {}
  KvResult get(const std::string& key, std::int64_t now_s) const;
  KvResult put(const std::string& key, const std::string& value, std::uint32_t ttl_s, std::int64_t now_s) const;
  // Creates the key only if it is absent (or expired): the WASI host's write authority. The file
  // is written whole under a temporary name and then linked to its own name, which fails if that
  // name exists: one creator wins, and no reader ever sees half a value. Where a runtime cannot
  // link, an exclusive create (O_EXCL) of the name itself does it. `created` says which happened;
  // when not created, `value` is what was there.
  KvResult put_if_absent(const std::string& key, const std::string& value, std::uint32_t ttl_s, std::int64_t now_s,
                         bool& created) const;
  // Deletes the key's file (an absent one is not an error): an Idempotency-Key's claim released.
  KvResult remove(const std::string& key) const;

 private:
  std::string path_for(const std::string& key) const;
  // The file's content: the value, behind a header line when it has a TTL or a hashed name.
  static std::string content_for(const std::string& key, const std::string& value, std::uint32_t ttl_s,
                                 std::int64_t now_s);
  // Writes content to a new temporary file in the directory; its path, or "" on failure.
  std::string write_temporary(const std::string& name, const std::string& content) const;
  std::string dir_;
};

}  // namespace mb::wasi
