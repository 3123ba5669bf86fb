#include "wasi_http_io.h"

#include <cstdlib>

namespace mb::wasi_http {

void release(void* list, std::size_t len) {
  if (len) std::free(list);
}

bool read_all(wh_handle stream, std::size_t limit, std::string& out, bool& truncated) {
  truncated = false;
  for (;;) {
    wh_read_result r{};
    wh_input_stream_blocking_read(stream, 65536, &r);
    if (r.is_err) {
      if (!r.u.error.closed) wh_io_error_drop(r.u.error.error);
      return r.u.error.closed;  // closed: the end of the body
    }
    std::size_t room = limit - out.size();
    out.append(reinterpret_cast<const char*>(r.u.bytes.ptr), r.u.bytes.len < room ? r.u.bytes.len : room);
    release(r.u.bytes.ptr, r.u.bytes.len);
    if (r.u.bytes.len > room) {
      truncated = true;
      return true;
    }
  }
}

bool write_all(wh_handle stream, std::string_view bytes) {
  while (!bytes.empty()) {
    std::size_t n = bytes.size() < 4096 ? bytes.size() : 4096;
    wh_write_result r{};
    wh_output_stream_blocking_write_and_flush(stream, reinterpret_cast<const uint8_t*>(bytes.data()), n, &r);
    if (r.is_err) {
      if (!r.error.closed) wh_io_error_drop(r.error.error);
      return false;
    }
    bytes.remove_prefix(n);
  }
  return true;
}

Headers headers_of(wh_handle fields) {
  wh_fields_list list{};
  wh_fields_entries(fields, &list);
  Headers out;
  out.reserve(list.len);
  for (std::size_t i = 0; i < list.len; ++i) {
    const wh_field& f = list.ptr[i];
    out.emplace_back(std::string(f.name, f.name_len), std::string(reinterpret_cast<const char*>(f.value), f.value_len));
    release(f.name, f.name_len);
    release(f.value, f.value_len);
  }
  release(list.ptr, list.len);
  return out;
}

wh_handle fields_of(const Headers& headers, std::string& refused) {
  wh_handle fields = wh_fields_new();
  for (const auto& [name, value] : headers) {
    uint8_t r[2] = {0, 0};
    wh_fields_append(fields, name.data(), name.size(), reinterpret_cast<const uint8_t*>(value.data()), value.size(), r);
    if (r[0]) refused += (refused.empty() ? "" : ", ") + name;
  }
  return fields;
}

std::string method_name(const wh_tagged_string& method) {
  static constexpr const char* kNames[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                           "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  if (method.tag < 9) return kNames[method.tag];
  std::string other(method.ptr, method.len);
  release(method.ptr, method.len);
  for (char& c : other)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return other;
}

}  // namespace mb::wasi_http
