#include "kv_layout.h"

#include <initializer_list>

#include "crypto.h"

namespace mb::kv {

namespace {

constexpr std::string_view kApiKey = "apikey", kAccount = "account", kWorkspaceMembership = "workspace_membership",
                           kUserByEmail = "user_by_email", kMembership = "account_membership",
                           kIdempotency = "idempotency", kJwks = "jwks";

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~' || c == '@' || c == '+';
}

void append_encoded(std::string& out, std::string_view part) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (std::size_t i = 0; i < part.size();) {
    // A run of unreserved bytes is appended in one piece.
    std::size_t run = i;
    while (run < part.size() && unreserved(static_cast<unsigned char>(part[run]))) ++run;
    if (run > i) {
      out.append(part.substr(i, run - i));
      i = run;
      continue;
    }
    auto c = static_cast<unsigned char>(part[i++]);
    const char escaped[3] = {'%', kHex[c >> 4], kHex[c & 15]};
    out.append(escaped, 3);
  }
}

// prefix ":" part ":" part ..., each part encoded; hashed from the last part back while too long.
std::string build(std::string_view prefix, std::initializer_list<std::string_view> parts) {
  std::string key;
  key.reserve(prefix.size() + 96);
  key.append(prefix);
  for (std::string_view p : parts) {
    key.push_back(':');
    append_encoded(key, p);
  }
  if (key.size() <= kMaxKeyBytes) return key;  // the usual case: one pass, one string
  std::string encoded[5];
  std::size_t n = 0, total = prefix.size();
  for (std::string_view p : parts) {
    encoded[n] = encode_part(p);
    total += 1 + encoded[n].size();
    ++n;
  }
  for (std::size_t i = n; i-- > 0 && total > kMaxKeyBytes;) {
    std::string hashed = "%h" + sha256_hex(encoded[i]);
    total = total - encoded[i].size() + hashed.size();
    encoded[i] = std::move(hashed);
  }
  key.assign(prefix);
  for (std::size_t i = 0; i < n; ++i) key.append(1, ':').append(encoded[i]);
  return key;
}

}  // namespace

std::string encode_part(std::string_view part) {
  std::string out;
  out.reserve(part.size());
  append_encoded(out, part);
  return out;
}

std::string api_key(std::string_view token_sha256_hex) { return build(kApiKey, {token_sha256_hex}); }

std::string account(Mode mode, std::string_view account_id) { return build(kAccount, {mode_name(mode), account_id}); }

std::string workspace_membership(Mode mode, std::string_view id) {
  return build(kWorkspaceMembership, {mode_name(mode), id});
}

std::string user_by_email(Mode mode, std::string_view email) { return build(kUserByEmail, {mode_name(mode), email}); }

std::string membership(Mode mode, std::string_view account_id, Member member) {
  if (member.by == Member::By::email) return build(kMembership, {mode_name(mode), account_id, "email", member.value});
  return build(kMembership, {mode_name(mode), account_id, member.value});
}

std::string idempotency(Mode mode, std::string_view credential_id, std::string_view idempotency_key) {
  return build(kIdempotency, {mode_name(mode), credential_id, idempotency_key});
}

std::string jwks(std::string_view url_sha256_hex) { return build(kJwks, {url_sha256_hex}); }

std::string authority(Mode mode, std::string_view account_id) {
  return std::string(mode_name(mode)) + ":" + encode_part(account_id);
}

bool rarely_changes(std::string_view key) {
  for (std::string_view prefix : {kApiKey, kAccount, kWorkspaceMembership, kUserByEmail})
    if (key.size() > prefix.size() && key.substr(0, prefix.size()) == prefix && key[prefix.size()] == ':') return true;
  return false;
}

}  // namespace mb::kv
