// Thin wrappers over BearSSL (the only crypto in the project) plus the encodings around it.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mb {

using Sha256 = std::array<unsigned char, 32>;

Sha256 sha256(std::string_view data);
std::string sha256_hex(std::string_view data);
Sha256 hmac_sha256(std::string_view key, std::string_view data);
std::string to_hex(const unsigned char* p, std::size_t n);

// Compares in time that depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

// base64url without padding (RFC 7515 §2): refuses '=', characters outside the alphabet,
// an impossible length and non-zero trailing bits, so one token has exactly one spelling.
std::optional<std::string> base64url_decode(std::string_view in);

std::string base64url_encode(std::string_view bytes);
// base64 with padding (RFC 4648 §4): RFC 9651 byte sequences (Content-Digest, Signature).
std::string base64_encode(std::string_view bytes);

// The next of the host's random bytes in `pool`, from `used` on (advanced); an exhausted pool is
// stretched with SHA-256.
unsigned char next_random_byte(std::string& pool, std::size_t& used);
// n base62 characters from those bytes: bytes of 248 and above are skipped (no modulo bias).
std::string random_base62(std::string& pool, std::size_t& used, std::size_t n);

// RSASSA-PKCS1-v1_5 with SHA-256 (BearSSL i31). n and e are big-endian unsigned bytes.
bool rsa_pkcs1_sha256_verify(std::string_view n, std::string_view e, std::string_view message,
                             std::string_view signature);
// Bit length of a big-endian modulus.
int modulus_bits(std::string_view n);

// ECDSA P-256 / SHA-256 with the signature as raw r||s (64 bytes; BearSSL m31 + i31 verify).
// point is the uncompressed SEC1 point 0x04||x||y.
bool ecdsa_p256_sha256_verify(std::string_view point, std::string_view message, std::string_view signature);
// ECDSA P-256 / SHA-256 signature, raw r||s (64 bytes), with BearSSL's deterministic nonce
// (RFC 6979). d is the 32-byte private scalar; empty when BearSSL refuses it.
std::string ecdsa_p256_sha256_sign(std::string_view d, std::string_view message);
// The uncompressed public point 0x04||x||y of the private scalar d; empty when d is not a valid
// P-256 scalar (zero, or not below the group order).
std::string p256_public_point(std::string_view d);
// True when (x, y) is a valid point on P-256 (rejects keys that would be ignored or misused).
bool p256_point_valid(std::string_view point);

}  // namespace mb
