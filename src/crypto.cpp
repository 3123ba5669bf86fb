#include "crypto.h"

#include <bearssl.h>

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

unsigned char next_random_byte(std::string& pool, std::size_t& used) {
  if (used >= pool.size()) {
    // Stretch the host's bytes rather than fail: SHA-256 of what we had.
    Sha256 more = sha256(pool);
    pool.append(reinterpret_cast<const char*>(more.data()), more.size());
  }
  return static_cast<unsigned char>(pool[used++]);
}

std::string random_base62(std::string& pool, std::size_t& used, std::size_t n) {
  static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out;
  while (out.size() < n) {
    unsigned char b = next_random_byte(pool, used);
    if (b < 248) out += alphabet[b % 62];  // 248 = 4 * 62: no modulo bias
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
  // RFC 8017 §8.2.2, one encoding only: BearSSL's public verify with no hash OID checks the
  // padding (00 01, at least eight FF, 00) and hands back the 51 bytes after it, which must be
  // exactly SHA-256's DigestInfo (with its NULL parameters, RFC 8017 §9.2 note 1) and the hash.
  // Unlike a verify given the OID (which also takes a DigestInfo without the NULL), this accepts
  // the one encoding WebCrypto accepts too, so the two signature paths agree on every vector.
  static const unsigned char digest_info[19] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                                0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
  unsigned char tail[sizeof digest_info + 32];
  if (!br_rsa_i31_pkcs1_vrfy(reinterpret_cast<const unsigned char*>(signature.data()), signature.size(), nullptr,
                             sizeof tail, &pk, tail))
    return false;
  Sha256 h = sha256(message);
  std::string expected(reinterpret_cast<const char*>(digest_info), sizeof digest_info);
  expected.append(reinterpret_cast<const char*>(h.data()), h.size());
  return constant_time_equal(std::string_view(reinterpret_cast<const char*>(tail), sizeof tail), expected);
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
