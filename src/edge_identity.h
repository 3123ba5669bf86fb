// X-Edge-Identity: what the edge verified, as an RFC 9651 dictionary the signature covers, so
// that the origin may use it instead of verifying the credential again:
//   auth=api_key|jwt, cred="<credential id>", mode=test|live, account="<account_id>"
//   and for a JWT sub, iss and the claims named in FORWARD_CLAIMS (string, integer, boolean).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "jwt_claims.h"
#include "mode.h"

namespace mb {

// Names X-Edge-Identity always uses: FORWARD_CLAIMS may not name them.
bool reserved_identity_key(std::string_view name);

// The FORWARD_CLAIMS members of a verified token's payload (JSON text), in `names` order. A
// claim of another type (or an integer beyond RFC 9651's 15 digits) is left out with a notice.
std::vector<ForwardedClaim> read_forwarded_claims(std::string_view payload_json, const std::vector<std::string>& names,
                                                  std::vector<std::string>& notices);

// The header value. `credential_id` is already KV-part encoded (ASCII); claims null for an API key.
std::string edge_identity(bool jwt, std::string_view credential_id, Mode mode, std::string_view account_id,
                          const JwtClaims* claims);

}  // namespace mb
