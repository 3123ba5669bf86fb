// Known-answer vector checks for the crypto and JWT code (tests/vectors/data/, see its README).
// One implementation, two runners: the doctest cases in tests/unit/crypto_vectors.cpp (native)
// and the WASI command dist/wasi/crypto-vectors.wasm (tests/wasm/crypto_vectors.test.mjs).
// Builds without exceptions or RTTI: the JSON is read with mb::parse_json (the core's strict
// reader) and every shape is checked before use.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "json_dom.h"

namespace mb::vectors {

struct VectorReport {
  std::string name;     // which file
  bool loaded = false;  // the text parsed and had the expected shape
  std::string error;    // why not

  int total = 0;                               // cases in the file
  int checked = 0;                             // cases compared with our result (valid + invalid + acceptable)
  int valid = 0, invalid = 0, acceptable = 0;  // checked cases, by expected result
  int valid_agree = 0, invalid_agree = 0;      // ... and how many we answered the same way
  int acceptable_accepted = 0, acceptable_rejected = 0;  // either outcome is fine; logged
  int skipped = 0;                                       // cases that do not apply to our code (see notes)
  std::vector<std::string> disagreements;                // "tcId N: expected valid, got rejected (...)"
  std::vector<std::string> notes;                        // acceptable outcomes and skips, for the log
  std::vector<std::pair<std::int64_t, bool>> verdicts;   // tcId -> accepted, for every checked case

  bool ok() const {
    return loaded && disagreements.empty() && checked == valid + invalid + acceptable && valid_agree == valid &&
           invalid_agree == invalid;
  }
};

VectorReport check_wycheproof_rsa(std::string_view json_text);    // rsa_signature_2048_sha256_test.json
VectorReport check_wycheproof_ecdsa(std::string_view json_text);  // ecdsa_secp256r1_sha256_p1363_test.json
VectorReport check_wycheproof_hmac(std::string_view json_text);   // hmac_sha256_test.json
VectorReport check_wycheproof_jwk(std::string_view json_text);    // json_web_key_test.json
VectorReport check_rfc7515(std::string_view json_text);           // rfc7515_appendix_a.json

struct VectorFile {
  const char* key;   // short name used in the summary
  const char* path;  // relative to the vectors folder
  VectorReport (*check)(std::string_view);
};
// Every file the checks know, in README order.
const std::vector<VectorFile>& vector_files();

Json report_to_json(const VectorReport& r);

}  // namespace mb::vectors
