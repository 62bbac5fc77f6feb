// Unit tests of io/safetensors: round trip, and clear errors (never a crash or a huge
// allocation) for truncated, corrupt and hostile files.
#include <cstring>

#include <gtest/gtest.h>

#include "io/json.h"
#include "io/safetensors.h"
#include "support/subprocess.h"
#include "util/error.h"
#include "util/fs.h"

using namespace insightv;

namespace {

std::string raw_file(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

// Expects opening `bytes` as a safetensors file to throw an Error containing `needle`.
void expect_rejected(const std::string& bytes, const std::string& needle) {
  const std::string dir = test::make_temp_dir("st");
  const std::string path = dir + "/bad.safetensors";
  write_file_atomic(path, bytes);
  try {
    SafetensorsFile f(path);
    ADD_FAILURE() << "accepted a bad file; expected an error mentioning '" << needle << "'";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("[safetensors]"), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
  }
}

}  // namespace

TEST(Safetensors, WriteThenReadIsBitExact) {
  const std::string dir = test::make_temp_dir("st");
  std::vector<float> a{1.5f, -2.25f, 3.0f, 0.0f, 1e-30f, 7.0f};
  std::vector<uint16_t> b{0x3f80, 0xc000};  // bf16 1.0, -2.0
  std::vector<int64_t> c{42};
  write_safetensors(dir + "/t.safetensors",
                    {{"b.weight", DType::BF16, {2}, b.data(), 4},
                     {"a.weight", DType::F32, {2, 3}, a.data(), 24},
                     {"c", DType::I64, {}, c.data(), 8}},
                    {{"format", "pt"}});
  SafetensorsFile f(dir + "/t.safetensors");
  ASSERT_EQ(f.tensors().size(), 3u);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  const auto& ta = f.at("a.weight");
  EXPECT_EQ(ta.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(std::memcmp(f.data(ta), a.data(), 24), 0);
  EXPECT_EQ(std::memcmp(f.data(f.at("b.weight")), b.data(), 4), 0);
  EXPECT_EQ(f.at("c").numel(), 1);
  // The header is padded to a multiple of 8 bytes, as the format recommends.
  const std::string raw = read_file(dir + "/t.safetensors");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(raw[i]);
  EXPECT_EQ(n % 8, 0u);
}

TEST(Safetensors, RejectsFileShorterThanLengthField) { expect_rejected("abc", "shorter than the 8-byte"); }

TEST(Safetensors, RejectsHugeHeaderLengthWithoutAllocating) {
  std::string bytes(8, '\0');
  const uint64_t n = 9'000'000'000'000'000'000ULL;
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  expect_rejected(bytes + "{}", "exceeds the");
}

TEST(Safetensors, RejectsHeaderLongerThanFile) {
  std::string bytes = raw_file("{\"a\":1}", "");
  bytes[0] = 100;  // claims 100 header bytes
  expect_rejected(bytes, "exceeds file size");
}

TEST(Safetensors, RejectsHeaderThatIsNotJson) { expect_rejected(raw_file("{not json", ""), "not valid JSON"); }

TEST(Safetensors, RejectsOffsetsPastTheEnd) {
  expect_rejected(raw_file(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", std::string(8, '\0')),
                  "past the data section");
}

TEST(Safetensors, RejectsShapeThatDisagreesWithByteSpan) {
  expect_rejected(raw_file(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", std::string(8, '\0')),
                  "needs 12 bytes");
}

TEST(Safetensors, RejectsOverlappingTensors) {
  expect_rejected(raw_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                           R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                           std::string(12, '\0')),
                  "overlap");
}

TEST(Safetensors, RejectsUnknownDtypeAndNegativeDims) {
  expect_rejected(raw_file(R"({"w":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}})", "x"), "unknown dtype");
  expect_rejected(raw_file(R"({"w":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}})", "x"), "non-negative");
  expect_rejected(raw_file(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[1,0]}})", "x"), "begin");
}

TEST(Safetensors, RejectsAbsurdShapeProduct) {
  expect_rejected(raw_file(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,4]}})",
                           std::string(4, '\0')),
                  "absurd shape");
}

TEST(Safetensors, RejectsMissingFieldsAndNonObjectHeader) {
  expect_rejected(raw_file(R"({"w":{"dtype":"F32"}})", ""), "needs dtype");
  expect_rejected(raw_file(R"([1,2,3])", ""), "not a JSON object");
}

TEST(Safetensors, EveryTruncationOfAValidFileIsRejectedCleanly) {
  const std::string dir = test::make_temp_dir("st");
  std::vector<float> a(16, 1.0f);
  write_safetensors(dir + "/ok.safetensors", {{"a", DType::F32, {16}, a.data(), 64}});
  const std::string good = read_file(dir + "/ok.safetensors");
  for (size_t cut = 0; cut < good.size(); cut += 3) {
    write_file_atomic(dir + "/cut.safetensors", good.substr(0, cut));
    EXPECT_THROW(SafetensorsFile(dir + "/cut.safetensors"), Error) << "truncated at " << cut;
  }
}

TEST(Safetensors, WriterRejectsDuplicateNamesAndWrongSizes) {
  const std::string dir = test::make_temp_dir("st");
  float x[2] = {0, 0};
  EXPECT_THROW(write_safetensors(dir + "/d.safetensors", {{"a", DType::F32, {2}, x, 8}, {"a", DType::F32, {2}, x, 8}}),
               Error);
  EXPECT_THROW(write_safetensors(dir + "/s.safetensors", {{"a", DType::F32, {3}, x, 8}}), Error);
}
