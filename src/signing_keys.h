// The edge's keys for signing forwards (ORIGIN_SIGNING_KEY, ORIGIN_SIGNING_KEYS_NEXT) and the
// directory that publishes their public halves (GET /.well-known/http-message-signatures-directory).
// EC P-256 only; every key is named by its RFC 7638 thumbprint.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace mb {

struct EdgePublicKey {
  std::string point;       // 0x04||x||y
  std::string thumbprint;  // RFC 7638, base64url: the keyid and the directory's kid
};

struct EdgeSigningKey {
  std::string d;            // the private scalar, 32 bytes (BearSSL signs with it)
  EdgePublicKey pub;        // its public half
  std::string private_jwk;  // {"kty","crv","x","y","d"}: what a host's WebCrypto imports
};

// ORIGIN_SIGNING_KEY: a private EC P-256 JWK whose d matches its x and y. Empty, or why not
// (no variable name: the caller names it).
std::string read_signing_key(std::string_view text, EdgeSigningKey& out);
// ORIGIN_SIGNING_KEYS_NEXT: {"keys":[public EC P-256 JWKs]}, no private member. Empty, or why not.
std::string read_public_keys(std::string_view text, std::vector<EdgePublicKey>& out);

// RFC 7638 thumbprint of a P-256 point: base64url(SHA-256({"crv","kty","x","y"})).
std::string jwk_thumbprint(std::string_view point);

// {"keys":[{"kty":"EC","crv":"P-256","x","y","kid"}...]}: public members only; empty without keys.
std::string signatures_directory(const std::vector<EdgePublicKey>& keys);

}  // namespace mb
