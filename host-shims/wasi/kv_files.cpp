#include "kv_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#if !defined(__wasi__)
#include <sys/random.h>  // getentropy
#endif

#include "crypto.h"
#include "json_dom.h"

namespace mb::wasi {

namespace {
constexpr std::string_view kMagic = "#mb-kv v1 ";
constexpr std::size_t kMaxName = 200;
constexpr std::size_t kMaxFile = 16 * 1024 * 1024;

bool plain(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

bool read_file(const std::string& path, std::string& out, bool& missing) {
  missing = false;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    missing = errno == ENOENT;
    return false;
  }
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    out.append(buf, n);
    if (out.size() > kMaxFile) break;
  }
  bool ok = !std::ferror(f);
  std::fclose(f);
  return ok;
}
}  // namespace

std::string encode_key(const std::string& key) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < key.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(key[i]);
    bool escape = !plain(c) || (i == 0 && c == '.') || (i == 1 && c == '-' && key[0] == 'h');
    if (escape) {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (out.size() > kMaxName || out.empty()) return "h-" + sha256_hex(key);
  return out;
}

std::optional<std::string> decode_name(const std::string& name) {
  if (name.size() == 66 && name.rfind("h-", 0) == 0) return std::nullopt;  // hashed: the key is inside
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '%') {
      out += name[i];
      continue;
    }
    auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; };
    if (i + 2 >= name.size() || hex(name[i + 1]) < 0 || hex(name[i + 2]) < 0) return std::nullopt;
    out += static_cast<char>(hex(name[i + 1]) * 16 + hex(name[i + 2]));
    i += 2;
  }
  return out;
}

std::string KvFiles::path_for(const std::string& key) const { return dir_ + "/" + encode_key(key); }

KvResult KvFiles::get(const std::string& key, std::int64_t now_s) const {
  KvResult r;
  std::string content;
  bool missing = false;
  if (!read_file(path_for(key), content, missing)) {
    if (missing) return r;
    r.ok = false;
    r.error = "cannot read " + encode_key(key) + ": " + std::strerror(errno);
    return r;
  }
  if (content.compare(0, kMagic.size(), kMagic) == 0) {
    std::size_t nl = content.find('\n');
    std::optional<Json> header =
        nl == std::string::npos ? std::nullopt
                                : parse_json(std::string_view(content).substr(kMagic.size(), nl - kMagic.size()), 4);
    if (!header || !header->is_object()) {
      r.ok = false;
      r.error = "corrupt KV file header: " + encode_key(key);
      return r;
    }
    auto k = header->find("key");
    if (k != header->end() && k->is_string() && *k->get_ptr<const std::string*>() != key) return r;  // hash clash
    auto exp = header->find("expires_at");
    if (exp != header->end() && exp->is_number_integer() && exp->get<std::int64_t>() <= now_s)
      return r;  // expired: absent
    r.value = content.substr(nl + 1);
    return r;
  }
  r.value = std::move(content);
  return r;
}

std::string KvFiles::content_for(const std::string& key, const std::string& value, std::uint32_t ttl_s,
                                 std::int64_t now_s) {
  std::string content;
  if (ttl_s > 0 || encode_key(key).rfind("h-", 0) == 0) {
    Json header = Json::object();
    header["key"] = key;
    if (ttl_s > 0) header["expires_at"] = now_s + ttl_s;
    content = std::string(kMagic) + dump(header) + "\n";
  }
  return content + value;
}

std::string KvFiles::write_temporary(const std::string& name, const std::string& content) const {
  // A name no other writer picks, even another process in the same second.
  unsigned char nonce[8];
  if (getentropy(nonce, sizeof nonce) != 0) return "";
  std::string tmp = dir_ + "/.tmp-" + name.substr(0, 64) + "-" + to_hex(nonce, sizeof nonce);
  FILE* f = std::fopen(tmp.c_str(), "wb");
  bool ok = f && std::fwrite(content.data(), 1, content.size(), f) == content.size();
  if (f) ok = (std::fclose(f) == 0) && ok;
  if (ok) return tmp;
  std::remove(tmp.c_str());
  return "";
}

KvResult KvFiles::put(const std::string& key, const std::string& value, std::uint32_t ttl_s, std::int64_t now_s) const {
  KvResult r;
  std::string name = encode_key(key);
  std::string tmp = write_temporary(name, content_for(key, value, ttl_s, now_s));
  // rename() makes the write all-or-nothing: a reader never sees half a value.
  if (tmp.empty() || std::rename(tmp.c_str(), (dir_ + "/" + name).c_str()) != 0) {
    if (!tmp.empty()) std::remove(tmp.c_str());
    r.ok = false;
    r.error = "cannot write " + name + ": " + std::strerror(errno);
  }
  return r;
}

KvResult KvFiles::remove(const std::string& key) const {
  KvResult r;
  if (std::remove(path_for(key).c_str()) != 0 && errno != ENOENT) {
    r.ok = false;
    r.error = "cannot remove " + encode_key(key) + ": " + std::strerror(errno);
  }
  return r;
}

KvResult KvFiles::put_if_absent(const std::string& key, const std::string& value, std::uint32_t ttl_s,
                                std::int64_t now_s, bool& created) const {
  KvResult r;
  created = false;
  std::string name = encode_key(key);
  std::string path = dir_ + "/" + name;
  std::string content = content_for(key, value, ttl_s, now_s);
  std::string tmp = write_temporary(name, content);
  if (tmp.empty()) {
    r.ok = false;
    r.error = "cannot write " + name + ": " + std::strerror(errno);
    return r;
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    int rc = link(tmp.c_str(), path.c_str());
    if (rc != 0 && errno != EEXIST) {
      // No hard links in this runtime: an exclusive create of the name itself.
      int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
      if (fd >= 0) {
        bool ok = write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
        ok = close(fd) == 0 && ok;
        rc = ok ? 0 : -1;
      }
    }
    if (rc == 0) {
      created = true;
      break;
    }
    if (errno != EEXIST) {
      r.ok = false;
      r.error = "cannot create " + name + ": " + std::strerror(errno);
      break;
    }
    r = get(key, now_s);
    if (!r.ok || r.value) break;  // what was there (or why it cannot be read)
    std::remove(path.c_str());    // there, but expired: it no longer counts
  }
  std::remove(tmp.c_str());
  return r;
}

}  // namespace mb::wasi
