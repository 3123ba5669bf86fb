#include "crypto.h"

#include <bearssl.h>

// BearSSL's PKCS#1 v1.5 signature encoding (its src/inner.h; compiled in with the rest of BearSSL).
extern "C" std::uint32_t br_rsa_pkcs1_sig_pad(const unsigned char* hash_oid, const unsigned char* hash,
                                              std::size_t hash_len, std::uint32_t n_bitlen, unsigned char* x);

namespace mb {

Sha256 sha256(std::string_view data) {
  br_sha256_context ctx;
  br_sha256_init(&ctx);
  br_sha256_update(&ctx, data.data(), data.size());
  Sha256 out;
  br_sha256_out(&ctx, out.data());
  return out;
}

std::string to_hex(const unsigned char* p, std::size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 15];
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  Sha256 h = sha256(data);
  return to_hex(h.data(), h.size());
}

Sha256 hmac_sha256(std::string_view key, std::string_view data) {
  br_hmac_key_context kc;
  br_hmac_key_init(&kc, &br_sha256_vtable, key.data(), key.size());
  br_hmac_context ctx;
  br_hmac_init(&ctx, &kc, 0);
  br_hmac_update(&ctx, data.data(), data.size());
  Sha256 out;
  br_hmac_out(&ctx, out.data());
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

static int b64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

std::optional<std::string> base64url_decode(std::string_view in) {
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = b64url_value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;  // non-canonical tail
  return out;
}

std::string base64url_encode(std::string_view bytes) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += alphabet[(acc << (6 - bits)) & 63];
  return out;
}

std::string base64_encode(std::string_view bytes) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16 | static_cast<unsigned char>(bytes[i + 1]) << 8 |
                      static_cast<unsigned char>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += alphabet[(v >> shift) & 63];
  }
  std::size_t rest = bytes.size() - i;
  if (rest) {
    std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += rest == 2 ? alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

int modulus_bits(std::string_view n) {
  std::size_t i = 0;
  while (i < n.size() && n[i] == 0) ++i;
  if (i == n.size()) return 0;
  int bits = static_cast<int>((n.size() - i - 1) * 8);
  for (unsigned c = static_cast<unsigned char>(n[i]); c; c >>= 1) ++bits;
  return bits;
}

bool rsa_pkcs1_sha256_verify(std::string_view n, std::string_view e, std::string_view message,
                             std::string_view signature) {
  // Strip leading zero bytes: BearSSL wants the minimal modulus encoding.
  while (!n.empty() && n.front() == 0) n.remove_prefix(1);
  if (n.empty() || e.empty() || signature.size() != n.size()) return false;
  br_rsa_public_key pk{reinterpret_cast<unsigned char*>(const_cast<char*>(n.data())), n.size(),
                       reinterpret_cast<unsigned char*>(const_cast<char*>(e.data())), e.size()};
  // RFC 8017 §8.2.2, encode and compare: BearSSL's public operation, then BearSSL's own PKCS#1
  // v1.5 encoding of SHA-256(message) compared whole. Unlike br_rsa_pkcs1_vrfy (which also takes
  // a DigestInfo without the NULL parameters), this accepts exactly one encoding — the one
  // WebCrypto accepts too, so the two signature paths give the same verdict on every vector.
  std::string em(signature);
  if (!br_rsa_i31_public(reinterpret_cast<unsigned char*>(em.data()), em.size(), &pk)) return false;
  Sha256 h = sha256(message);
  std::string expected(n.size(), '\0');
  if (!br_rsa_pkcs1_sig_pad(BR_HASH_OID_SHA256, h.data(), h.size(), static_cast<std::uint32_t>(modulus_bits(n)),
                            reinterpret_cast<unsigned char*>(expected.data())))
    return false;
  return constant_time_equal(em, expected);
}

bool ecdsa_p256_sha256_verify(std::string_view point, std::string_view message, std::string_view signature) {
  if (point.size() != 65 || signature.size() != 64) return false;
  br_ec_public_key pk{BR_EC_secp256r1, reinterpret_cast<unsigned char*>(const_cast<char*>(point.data())), point.size()};
  Sha256 h = sha256(message);
  return br_ecdsa_i31_vrfy_raw(&br_ec_p256_m31, h.data(), h.size(), &pk, signature.data(), signature.size()) == 1;
}

std::string ecdsa_p256_sha256_sign(std::string_view d, std::string_view message) {
  if (d.size() != 32) return {};
  br_ec_private_key sk{BR_EC_secp256r1, reinterpret_cast<unsigned char*>(const_cast<char*>(d.data())), d.size()};
  Sha256 h = sha256(message);
  unsigned char sig[64];
  std::size_t n = br_ecdsa_i31_sign_raw(&br_ec_p256_m31, &br_sha256_vtable, h.data(), &sk, sig);
  return n == 64 ? std::string(reinterpret_cast<const char*>(sig), n) : std::string();
}

std::string p256_public_point(std::string_view d) {
  // BearSSL assumes a valid scalar: 1 <= d < n (the group order), checked here on the bytes.
  static const unsigned char order[32] = {0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF,
                                          0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17,
                                          0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51};
  if (d.size() != 32 || d.find_first_not_of('\0') == std::string_view::npos ||
      std::string_view(reinterpret_cast<const char*>(order), 32).compare(d) <= 0)
    return {};
  br_ec_private_key sk{BR_EC_secp256r1, reinterpret_cast<unsigned char*>(const_cast<char*>(d.data())), d.size()};
  unsigned char point[BR_EC_KBUF_PUB_MAX_SIZE];
  br_ec_public_key pk;
  std::size_t n = br_ec_compute_pub(&br_ec_p256_m31, &pk, point, &sk);
  return n == 65 ? std::string(reinterpret_cast<const char*>(point), n) : std::string();
}

bool p256_point_valid(std::string_view point) {
  if (point.size() != 65 || point[0] != 0x04) return false;
  // Multiplying by 1 decodes and validates the point (on the curve, not infinity).
  unsigned char copy[65];
  for (int i = 0; i < 65; ++i) copy[i] = static_cast<unsigned char>(point[i]);
  static const unsigned char one[1] = {1};
  return br_ec_p256_m31.mul(copy, sizeof copy, one, sizeof one, BR_EC_secp256r1) == 1;
}

}  // namespace mb
