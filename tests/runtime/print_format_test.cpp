// PRINT text (language.md §12.6) and trace string escaping (runtime.md §12.1). Expected texts are written out by
// hand from the spec's table.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "progmp/runtime/print_format.hpp"

namespace progmp::runtime {
namespace {

PrintValue none() { return PrintValue{}; }
PrintValue null_v() {
  PrintValue v;
  v.kind = PrintValue::Kind::Null;
  return v;
}
PrintValue of(PrintValue::Kind k, std::int64_t value) {
  PrintValue v;
  v.kind = k;
  v.value = value;
  return v;
}
PrintValue list(PrintValue::Kind k, std::int64_t count, std::vector<std::int64_t> elems) {
  PrintValue v;
  v.kind = k;
  v.value = count;
  v.n_elems = static_cast<std::uint32_t>(elems.size());
  for (std::size_t i = 0; i < elems.size(); ++i) v.elems[i] = elems[i];
  return v;
}
using K = PrintValue::Kind;

TEST(PrintFormat, WithoutArgumentTextIsVerbatim) {
  EXPECT_EQ(format_print("a %d %% b %", none()), "a %d %% b %");
}

TEST(PrintFormat, IntegerConversions) {
  EXPECT_EQ(format_print("%d|%i|%u|%s", of(K::Int, 42)), "42|42|42|42");
  EXPECT_EQ(format_print("%u", of(K::Int, -5)), "-5");
  EXPECT_EQ(format_print("%x", of(K::Int, -1)), "ffffffffffffffff");
  EXPECT_EQ(format_print("%x", of(K::Int, 255)), "ff");
  EXPECT_EQ(format_print("%x", of(K::Int, 0)), "0");
  EXPECT_EQ(format_print("%d", of(K::Int, INT64_MIN)), "-9223372036854775808");
  EXPECT_EQ(format_print("%x", of(K::Int, INT64_MIN)), "8000000000000000");
}

TEST(PrintFormat, PercentSequences) {
  EXPECT_EQ(format_print("%%", of(K::Int, 1)), "%");
  EXPECT_EQ(format_print("100%", of(K::Int, 1)), "100%");
  EXPECT_EQ(format_print("%q", of(K::Int, 1)), "%q");
  EXPECT_EQ(format_print("%5d", of(K::Int, 1)), "%5d");
  EXPECT_EQ(format_print("%lu", of(K::Int, 7)), "%lu");
  EXPECT_EQ(format_print("%d%d", of(K::Int, 42)), "4242");
  EXPECT_EQ(format_print("%%%d", of(K::Int, 3)), "%3");
  EXPECT_EQ(format_print("%%d", of(K::Int, 3)), "%d");
}

TEST(PrintFormat, Booleans) {
  EXPECT_EQ(format_print("%d %i %u %x %s", of(K::Bool, 1)), "1 1 1 1 true");
  EXPECT_EQ(format_print("%d %x %s", of(K::Bool, 0)), "0 0 false");
}

TEST(PrintFormat, StringsSubflowsPackets) {
  const std::vector<std::string> strings{"fmt", "hello"};
  EXPECT_EQ(format_print("<%d|%x|%s>", of(K::String, 1), strings), "<hello|hello|hello>");
  EXPECT_EQ(format_print("%d %x %s", of(K::Subflow, 26)), "26 1a sbf26");
  EXPECT_EQ(format_print("%d %x %s", of(K::Packet, 2800)), "2800 af0 pkt2800");
}

TEST(PrintFormat, Lists) {
  EXPECT_EQ(format_print("%d %x %s", list(K::SubflowList, 3, {1, 2, 3})), "3 3 [1,2,3]");
  EXPECT_EQ(format_print("%s", list(K::PacketList, 0, {})), "[]");
  std::vector<std::int64_t> sixteen;
  for (int i = 0; i < 16; ++i) sixteen.push_back(i * 100);
  EXPECT_EQ(format_print("%s", list(K::PacketList, 16, sixteen)),
            "[0,100,200,300,400,500,600,700,800,900,1000,1100,1200,1300,1400,1500]");
  std::vector<std::int64_t> seventeen;
  for (int i = 0; i < 17; ++i) seventeen.push_back(i);
  EXPECT_EQ(format_print("%s", list(K::SubflowList, 20, seventeen)), "[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,...]");
  EXPECT_EQ(format_print("%x", list(K::PacketList, 20, seventeen)), "14");
}

TEST(PrintFormat, NullOfAnyType) { EXPECT_EQ(format_print("%d %x %s %i %u", null_v()), "NULL NULL NULL NULL NULL"); }

TEST(PrintFormat, Utf8RepairReplacesMaximalInvalidSubsequences) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(format_print("a\xFF" "b", none()), "a" + fffd + "b");
  EXPECT_EQ(format_print("a\xE2\x82", none()), "a" + fffd);                  // truncated sequence: one U+FFFD
  EXPECT_EQ(format_print("\xE2\x82" "A", none()), fffd + "A");
  EXPECT_EQ(format_print("\xED\xA0\x80", none()), fffd + fffd + fffd);       // surrogate: ED, A0, 80
  EXPECT_EQ(format_print("\xC0\xAF", none()), fffd + fffd);                  // overlong lead, lone continuation
  EXPECT_EQ(format_print("\xF0\x9F\x98\x80 \xC3\xA9", none()), "\xF0\x9F\x98\x80 \xC3\xA9");  // valid stays
  EXPECT_EQ(format_print("\xF4\x90\x80\x80", none()), fffd + fffd + fffd + fffd);  // above U+10FFFF
  // The string argument is repaired too.
  const std::vector<std::string> strings{"", "x\x80"};
  EXPECT_EQ(format_print("%s!", of(K::String, 1), strings), "x" + fffd + "!");
}

TEST(PrintFormat, TruncatesTo1024BytesWithoutSplittingACharacter) {
  EXPECT_EQ(format_print(std::string(1024, 'a') + "b", none()), std::string(1024, 'a'));
  EXPECT_EQ(format_print(std::string(1023, 'a') + "\xC3\xA9", none()), std::string(1023, 'a'));
  EXPECT_EQ(format_print(std::string(1022, 'a') + "\xC3\xA9", none()), std::string(1022, 'a') + "\xC3\xA9");
  // Truncation applies to the expanded text, after repair: 1021 + 3-byte U+FFFD = 1024 fits, one more does not.
  EXPECT_EQ(format_print(std::string(1021, 'a') + "\xFF", none()), std::string(1021, 'a') + "\xEF\xBF\xBD");
  EXPECT_EQ(format_print(std::string(1022, 'a') + "\xFF", none()), std::string(1022, 'a'));
  EXPECT_EQ(format_print(std::string(1020, 'a') + "%d", of(K::Int, 123456)), std::string(1020, 'a') + "1234");
}

TEST(JsonString, EscapesQuotesBackslashesAndControls) {
  std::string out;
  append_json_string(out, std::string("a\"b\\c\n\t\r\x01\x1f\x7f \xC3\xA9", 14));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\t\\r\\u0001\\u001f\x7f \xC3\xA9\"");
  out.clear();
  append_json_string(out, std::string("\0x", 2));
  EXPECT_EQ(out, "\"\\u0000x\"");
}

}  // namespace
}  // namespace progmp::runtime
