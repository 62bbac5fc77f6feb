// io/base64.h — standard base64 (RFC 4648, '+' '/', '=' padding), encode and strict decode.
//
//   std::string b64 = base64_encode(png_bytes);
//   std::string raw = base64_decode(b64, "tsv row 12");   // throws on any bad character
//
// Strict: decode rejects characters outside the alphabet, wrong padding and lengths that are
// not a multiple of 4, naming the source and the offset. Whitespace is not skipped (a TSV cell
// holds one unbroken string). Thread-safe, no state.
#pragma once

#include <string>
#include <string_view>

namespace insightv {

std::string base64_encode(std::string_view bytes);
std::string base64_decode(std::string_view text, const std::string& source = "base64");

}  // namespace insightv
