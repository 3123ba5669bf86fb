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

// Writing happens in two passes over the same code: first the sink only adds up the bytes, then
// it copies them into a buffer sized once, so a frame costs one allocation and no append calls.
struct Sink {
  char* at = nullptr;  // null while measuring
  std::size_t size = 0;
  void u32(std::uint32_t v) {
    size += 4;
    if (!at) return;
    at[0] = static_cast<char>(v);
    at[1] = static_cast<char>(v >> 8);
    at[2] = static_cast<char>(v >> 16);
    at[3] = static_cast<char>(v >> 24);
    at += 4;
  }
  void str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    size += s.size();
    if (!at || s.empty()) return;
    std::memcpy(at, s.data(), s.size());
    at += s.size();
  }
};

// Runs `emit` once to measure, sizes `out` to the result, then again to write.
template <class Emit>
void write_frame(std::string& out, Emit&& emit) {
  Sink w;
  emit(w);
  out.resize(w.size);
  w = Sink{out.data()};
  emit(w);
}

void put_headers(Sink& out, const Headers& h) {
  out.u32(static_cast<std::uint32_t>(h.size()));
  for (const auto& [name, value] : h) {
    out.str(name);
    out.str(value);
  }
}

void put_effect(Sink& out, const Effect& e) {
  out.u32(e.id);
  out.u32(static_cast<std::uint32_t>(e.kind));
  out.str(e.store);
  out.str(e.key);
  out.str(e.value);
  out.u32(e.ttl_seconds);
  out.str(e.method);
  out.str(e.url);
  put_headers(out, e.headers);
  out.str(e.body);
  out.u32(e.timeout_ms);
  out.str(e.scope);
  out.str(e.alg);
  out.str(e.jwk);
  out.str(e.signed_data);
  out.str(e.signature);
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
  write_frame(out, [&](Sink& w) {
    w.u32(s.done ? 1 : 0);
    if (s.done) {
      w.u32(static_cast<std::uint32_t>(s.response.status));
      put_headers(w, s.response.headers);
      w.str(s.response.body);
      w.u32(static_cast<std::uint32_t>(s.background.size()));
      for (const Effect& e : s.background) put_effect(w, e);
      w.str(s.log.request_id);
      w.u32(static_cast<std::uint32_t>(s.log.status));
      w.u32(static_cast<std::uint32_t>(s.log.code));
      w.str(s.log.credential_id);
      w.str(s.log.mode);
      w.str(s.log.route);
      w.u32(s.log.replayed ? 1 : 0);
      w.str(s.log.trace_id);
    } else {
      w.u32(static_cast<std::uint32_t>(s.effects.size()));
      for (const Effect& e : s.effects) put_effect(w, e);
    }
    w.u32(static_cast<std::uint32_t>(s.notices.size()));
    for (const std::string& n : s.notices) w.str(n);
  });
}

std::string write_request(const Request& req) {
  std::string out;
  write_frame(out, [&](Sink& w) {
    w.u32(req.body_truncated ? 1 : 0);
    w.str(req.method);
    w.str(req.target);
    put_headers(w, req.headers);
  });
  return out;
}

std::string write_outcomes(const std::vector<Outcome>& outcomes) {
  std::string out;
  write_frame(out, [&](Sink& w) {
    w.u32(static_cast<std::uint32_t>(outcomes.size()));
    for (const Outcome& o : outcomes) {
      w.u32(o.id);
      w.u32((o.value ? 1u : 0u) | (o.allowed ? 2u : 0u) | (o.valid ? 4u : 0u) | (o.created ? 8u : 0u));
      w.u32(static_cast<std::uint32_t>(o.status));
      w.u32(static_cast<std::uint32_t>(o.failure));
      w.str(o.detail);
      w.str(o.value ? *o.value : std::string_view());
      put_headers(w, o.headers);
      w.str(o.body);
      w.str(o.signature);
    }
  });
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
