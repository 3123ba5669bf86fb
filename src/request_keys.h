// The KV keys of one request, built once (kv_layout.h) and used by the stages and the prefetch.
#pragma once
#include <string>

namespace mb {

struct RequestKeys {
  std::string api_key;      // apikey:<sha256>
  std::string idempotency;  // once the credential id is known
  // The edge store's (edge_store.cpp): subject is the workspace membership or the user by email,
  // invite an email invite's own membership key, authority the account's write authority.
  std::string account, subject, invite, authority;
};

}  // namespace mb
