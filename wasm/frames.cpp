#include "frames.h"

#include <cstdint>
#include <cstring>

namespace mb::frames {

namespace {

// The fixed part of each record, in bytes: its u32 fields and the length prefixes of its strings.
constexpr std::size_t kHeaderBytes = 2 * 4;  // name, value
// id, kind, store, key, value, ttl, method, url, headers, body, timeout, scope, alg, jwk, signed_data, signature
constexpr std::size_t kEffectBytes = 16 * 4;
// id, flags, status, failure, detail, value, headers, body, signature
constexpr std::size_t kOutcomeBytes = 9 * 4;

struct Reader {
  const char* at;
  const char* end;
  bool ok = true;

  std::size_t left() const { return static_cast<std::size_t>(end - at); }
  std::uint32_t u32() {
    if (!ok || left() < 4) return fail();
    std::uint32_t v = static_cast<std::uint32_t>(static_cast<unsigned char>(at[0])) |
                      static_cast<std::uint32_t>(static_cast<unsigned char>(at[1])) << 8 |
                      static_cast<std::uint32_t>(static_cast<unsigned char>(at[2])) << 16 |
                      static_cast<std::uint32_t>(static_cast<unsigned char>(at[3])) << 24;
    at += 4;
    return v;
  }
  void str(std::string& out) {
    std::uint32_t n = u32();
    if (!ok || left() < n) {
      fail();
      return;
    }
    out.assign(at, n);
    at += n;
  }
  // A count of items at least `min_item` bytes each: refused when the bytes left cannot hold them.
  std::uint32_t count(std::size_t min_item, std::uint32_t limit = UINT32_MAX) {
    std::uint32_t n = u32();
    if (ok && (n > limit || n > left() / min_item)) return fail();
    return n;
  }
  // No limit on the count but the bytes: the core answers too many headers with 431.
  void headers(Headers& out) {
    std::uint32_t n = count(kHeaderBytes);
    out.reserve(n);
    for (std::uint32_t i = 0; ok && i < n; i++) {
      auto& [name, value] = out.emplace_back();
      str(name);
      str(value);
    }
  }
  bool done() const { return ok && at == end; }
  std::uint32_t fail() {
    ok = false;
    return 0;
  }
};

void put_u32(std::string& out, std::uint32_t v) {
  char b[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16), static_cast<char>(v >> 24)};
  out.append(b, 4);
}

void put_str(std::string& out, std::string_view s) {
  put_u32(out, static_cast<std::uint32_t>(s.size()));
  out.append(s);
}

void put_headers(std::string& out, const Headers& h) {
  put_u32(out, static_cast<std::uint32_t>(h.size()));
  for (const auto& [name, value] : h) {
    put_str(out, name);
    put_str(out, value);
  }
}

void put_effect(std::string& out, const Effect& e) {
  put_u32(out, e.id);
  put_u32(out, static_cast<std::uint32_t>(e.kind));
  put_str(out, e.store);
  put_str(out, e.key);
  put_str(out, e.value);
  put_u32(out, e.ttl_seconds);
  put_str(out, e.method);
  put_str(out, e.url);
  put_headers(out, e.headers);
  put_str(out, e.body);
  put_u32(out, e.timeout_ms);
  put_str(out, e.scope);
  put_str(out, e.alg);
  put_str(out, e.jwk);
  put_str(out, e.signed_data);
  put_str(out, e.signature);
}

void read_effect(Reader& r, Effect& e) {
  e.id = r.u32();
  std::uint32_t kind = r.u32();
  if (kind > static_cast<std::uint32_t>(EffectKind::kv_release)) r.fail();
  e.kind = static_cast<EffectKind>(kind);
  r.str(e.store);
  r.str(e.key);
  r.str(e.value);
  e.ttl_seconds = r.u32();
  r.str(e.method);
  r.str(e.url);
  r.headers(e.headers);
  r.str(e.body);
  e.timeout_ms = r.u32();
  r.str(e.scope);
  r.str(e.alg);
  r.str(e.jwk);
  r.str(e.signed_data);
  r.str(e.signature);
}

void read_effects(Reader& r, std::vector<Effect>& out) {
  std::uint32_t n = r.count(kEffectBytes);
  for (std::uint32_t i = 0; r.ok && i < n; i++) read_effect(r, out.emplace_back());
}

std::size_t effects_size(const std::vector<Effect>& effects) {
  std::size_t n = 4;
  for (const Effect& e : effects) {
    n += kEffectBytes + e.store.size() + e.key.size() + e.value.size() + e.method.size() + e.url.size() +
         e.body.size() + e.scope.size() + e.alg.size() + e.jwk.size() + e.signed_data.size() + e.signature.size();
    for (const auto& [k, v] : e.headers) n += kHeaderBytes + k.size() + v.size();
  }
  return n;
}

}  // namespace

bool read_request(std::string_view bytes, Request& out) {
  Reader r{bytes.data(), bytes.data() + bytes.size()};
  std::uint32_t flags = r.u32();
  out.body_truncated = flags & 1;
  r.str(out.method);
  r.str(out.target);
  r.headers(out.headers);
  return r.done() && flags <= 1;
}

bool read_outcomes(std::string_view bytes, std::vector<Outcome>& out) {
  Reader r{bytes.data(), bytes.data() + bytes.size()};
  std::uint32_t n = r.count(kOutcomeBytes);
  out.reserve(n);
  for (std::uint32_t i = 0; r.ok && i < n; i++) {
    Outcome& o = out.emplace_back();
    o.id = r.u32();
    std::uint32_t flags = r.u32();
    o.allowed = flags & 2;
    o.valid = flags & 4;
    o.created = flags & 8;
    o.status = static_cast<int>(r.u32());
    std::uint32_t failure = r.u32();
    if (failure > static_cast<std::uint32_t>(Failure::missing)) r.fail();
    o.failure = static_cast<Failure>(failure);
    r.str(o.detail);
    std::string value;
    r.str(value);
    if (flags & 1)
      o.value = std::move(value);
    else if (!value.empty())
      r.fail();
    r.headers(o.headers);
    r.str(o.body);
    r.str(o.signature);
    if (flags > 15 || o.status < 0) r.fail();
  }
  return r.done();
}

void write_step(const Step& s, std::string& out) {
  out.clear();
  std::size_t size = 32 + effects_size(s.effects) + effects_size(s.background) + s.response.body.size();
  for (const auto& [k, v] : s.response.headers) size += kHeaderBytes + k.size() + v.size();
  for (const std::string& n : s.notices) size += 4 + n.size();
  out.reserve(size + 64 + s.log.request_id.size() + s.log.credential_id.size() + s.log.trace_id.size());
  put_u32(out, s.done ? 1 : 0);
  if (s.done) {
    put_u32(out, static_cast<std::uint32_t>(s.response.status));
    put_headers(out, s.response.headers);
    put_str(out, s.response.body);
    put_u32(out, static_cast<std::uint32_t>(s.background.size()));
    for (const Effect& e : s.background) put_effect(out, e);
    put_str(out, s.log.request_id);
    put_u32(out, static_cast<std::uint32_t>(s.log.status));
    put_u32(out, static_cast<std::uint32_t>(s.log.code));
    put_str(out, s.log.credential_id);
    put_str(out, s.log.mode);
    put_str(out, s.log.route);
    put_u32(out, s.log.replayed ? 1 : 0);
    put_str(out, s.log.trace_id);
  } else {
    put_u32(out, static_cast<std::uint32_t>(s.effects.size()));
    for (const Effect& e : s.effects) put_effect(out, e);
  }
  put_u32(out, static_cast<std::uint32_t>(s.notices.size()));
  for (const std::string& n : s.notices) put_str(out, n);
}

std::string write_request(const Request& req) {
  std::string out;
  put_u32(out, req.body_truncated ? 1 : 0);
  put_str(out, req.method);
  put_str(out, req.target);
  put_headers(out, req.headers);
  return out;
}

std::string write_outcomes(const std::vector<Outcome>& outcomes) {
  std::string out;
  put_u32(out, static_cast<std::uint32_t>(outcomes.size()));
  for (const Outcome& o : outcomes) {
    put_u32(out, o.id);
    put_u32(out, (o.value ? 1u : 0u) | (o.allowed ? 2u : 0u) | (o.valid ? 4u : 0u) | (o.created ? 8u : 0u));
    put_u32(out, static_cast<std::uint32_t>(o.status));
    put_u32(out, static_cast<std::uint32_t>(o.failure));
    put_str(out, o.detail);
    put_str(out, o.value ? *o.value : std::string_view());
    put_headers(out, o.headers);
    put_str(out, o.body);
    put_str(out, o.signature);
  }
  return out;
}

bool read_step(std::string_view bytes, Step& out) {
  Reader r{bytes.data(), bytes.data() + bytes.size()};
  std::uint32_t done = r.u32();
  out.done = done == 1;
  if (out.done) {
    out.response.status = static_cast<int>(r.u32());
    r.headers(out.response.headers);
    r.str(out.response.body);
    read_effects(r, out.background);
    r.str(out.log.request_id);
    out.log.status = static_cast<int>(r.u32());
    out.log.code = static_cast<int>(r.u32());
    r.str(out.log.credential_id);
    r.str(out.log.mode);
    r.str(out.log.route);
    std::uint32_t replayed = r.u32();
    out.log.replayed = replayed == 1;
    if (replayed > 1) r.fail();
    r.str(out.log.trace_id);
  } else {
    read_effects(r, out.effects);
  }
  std::uint32_t n = r.count(4);
  for (std::uint32_t i = 0; r.ok && i < n; i++) r.str(out.notices.emplace_back());
  return r.done() && done <= 1;
}

}  // namespace mb::frames
