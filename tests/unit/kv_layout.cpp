// The KV layout (src/kv_layout.h): one builder per row, parts encoded, long keys hashed.
#include <doctest/doctest.h>

#include <set>

#include "crypto.h"
#include "kv_layout.h"

using namespace mb;

TEST_CASE("every row of the layout, with plain parts, reads as documented") {
  CHECK(kv::api_key("ab12") == "apikey:ab12");
  CHECK(kv::account(Mode::test, "acct_1") == "account:test:acct_1");
  CHECK(kv::workspace_membership(Mode::live, "wsm_1") == "workspace_membership:live:wsm_1");
  CHECK(kv::user_by_email(Mode::test, "ann@example.com") == "user_by_email:test:ann@example.com");
  CHECK(kv::membership(Mode::test, "acct_1", {kv::Member::By::user_id, "usr_1"}) ==
        "account_membership:test:acct_1:usr_1");
  CHECK(kv::membership(Mode::live, "acct_1", {kv::Member::By::email, "a+b@x.io"}) ==
        "account_membership:live:acct_1:email:a+b@x.io");
  CHECK(kv::idempotency(Mode::test, "key_1", "k-1.2_3~") == "idempotency:test:key_1:k-1.2_3~");
  CHECK(kv::jwks("00ff") == "jwks:00ff");
}

TEST_CASE("parts are percent-encoded: separators, percent signs, spaces, controls, non-ASCII") {
  CHECK(kv::encode_part("a:b") == "a%3Ab");
  CHECK(kv::encode_part("50%") == "50%25");
  CHECK(kv::encode_part("a b\n") == "a%20b%0A");
  CHECK(kv::encode_part("\xC3\xA9") == "%C3%A9");
  CHECK(kv::encode_part("A-Za-z0-9-_.~@+") == "A-Za-z0-9-_.~@+");
  CHECK(kv::encode_part("") == "");
  // The collision of the review: credential jwt:team + key alice:k1 against jwt:team:alice + k1.
  CHECK(kv::idempotency(Mode::test, "jwt:team", "alice:k1") == "idempotency:test:jwt%3Ateam:alice%3Ak1");
  CHECK(kv::idempotency(Mode::test, "jwt:team:alice", "k1") == "idempotency:test:jwt%3Ateam%3Aalice:k1");
  // An id that looks like the email variant is still a user id.
  CHECK(kv::membership(Mode::test, "acct_1", {kv::Member::By::user_id, "email:x@y.z"}) ==
        "account_membership:test:acct_1:email%3Ax@y.z");
}

TEST_CASE("a key over 512 bytes has its last part replaced by %h and the SHA-256 of the encoded part") {
  std::string sub(300, ':');  // 900 bytes encoded
  std::string key(255, 'k');
  std::string k = kv::idempotency(Mode::test, "jwt:" + sub, key);
  CHECK(k.size() <= kv::kMaxKeyBytes);
  // Both parts too long together: the last one is hashed first, then the one before it.
  std::string cred = kv::encode_part("jwt:" + sub);
  CHECK(k == "idempotency:test:%h" + sha256_hex(cred) + ":%h" + sha256_hex(key));
  std::string one = kv::idempotency(Mode::test, "key_1", std::string(255, 'x') + std::string(100, ' '));
  CHECK(one.size() <= kv::kMaxKeyBytes);
  CHECK(one.rfind("idempotency:test:key_1:%h", 0) == 0);
  // Exactly at the limit: not hashed.
  std::string exact(kv::kMaxKeyBytes - std::string("idempotency:test:key_1:").size(), 'a');
  CHECK(kv::idempotency(Mode::test, "key_1", exact).size() == kv::kMaxKeyBytes);
  CHECK(kv::idempotency(Mode::test, "key_1", exact).find("%h") == std::string::npos);
}

TEST_CASE("distinct part lists give distinct keys (a deterministic sweep; fuzz/kv_layout_fuzz.cpp goes further)") {
  const char* parts[] = {"", "a", "a:b", "a%3Ab", ":", "%", "%h", "%25", "a b", "email", "email:a", "\n", "~", "\xFF"};
  std::set<std::string> seen;
  std::size_t n = 0;
  for (const char* a : parts)
    for (const char* b : parts) {
      seen.insert(kv::idempotency(Mode::test, a, b));
      seen.insert(kv::idempotency(Mode::live, a, b));
      seen.insert(kv::membership(Mode::test, a, {kv::Member::By::user_id, b}));
      seen.insert(kv::membership(Mode::test, a, {kv::Member::By::email, b}));
      n += 4;
    }
  CHECK(seen.size() == n);
}

TEST_CASE("only apikey, account, workspace_membership and user_by_email rows are cached in the isolate") {
  CHECK(kv::rarely_changes(kv::api_key("ab")));
  CHECK(kv::rarely_changes(kv::account(Mode::test, "a")));
  CHECK(kv::rarely_changes(kv::workspace_membership(Mode::test, "a")));
  CHECK(kv::rarely_changes(kv::user_by_email(Mode::test, "a@b.c")));
  CHECK_FALSE(kv::rarely_changes(kv::membership(Mode::test, "a", {kv::Member::By::user_id, "u"})));
  CHECK_FALSE(kv::rarely_changes(kv::idempotency(Mode::test, "a", "k")));
  CHECK_FALSE(kv::rarely_changes(kv::jwks("ab")));
  CHECK_FALSE(kv::rarely_changes("accounts:test:a"));
}
