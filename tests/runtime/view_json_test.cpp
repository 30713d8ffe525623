// Validation of playground views (runtime.md §14.2): every rule with its exact message, and the canonical form.
#include <gtest/gtest.h>

#include <string>

#include "progmp/runtime/playground.hpp"

namespace progmp::runtime {
namespace {

std::string err(const std::string& json) {
  ViewParse p = parse_view(json);
  if (p.view) return "(valid)";
  return p.error->message("VIEW.json");
}

TEST(ViewJson, DocumentAndTypes) {
  EXPECT_EQ(err("[]"), "VIEW.json: : expected an object, found an array");
  EXPECT_EQ(err(R"({"time_ms": 1.0})"),
            "VIEW.json: /time_ms: expected an integer, found a number with a fraction or exponent");
  EXPECT_EQ(err(R"({"time_ms": 1e3})"),
            "VIEW.json: /time_ms: expected an integer, found a number with a fraction or exponent");
  EXPECT_EQ(err(R"({"time_ms": "5"})"), "VIEW.json: /time_ms: expected an integer, found a string");
  EXPECT_EQ(err(R"({"time_ms": null})"), "VIEW.json: /time_ms: expected an integer, found null");
  EXPECT_EQ(err(R"({"subflows": {}})"), "VIEW.json: /subflows: expected an array, found an object");
  EXPECT_EQ(err(R"({"subflows": [5]})"), "VIEW.json: /subflows/0: expected an object, found an integer");
  EXPECT_EQ(err(R"({"subflows": [{"id": 1, "is_backup": 1}]})"),
            "VIEW.json: /subflows/0/is_backup: expected a boolean, found an integer");
  EXPECT_EQ(err(R"({"subflows": [{"id": 1, "delay_in": true}]})"),
            "VIEW.json: /subflows/0/delay_in: expected an integer or null, found a boolean");
  EXPECT_EQ(err(R"({"registers": [1, null]})"), "VIEW.json: /registers/1: expected an integer, found null");
  EXPECT_EQ(err(R"({"RQ": ["5"]})"), "VIEW.json: /RQ/0: expected an integer or a packet object, found a string");
  EXPECT_EQ(err(R"({"Q": [{"seq": 0, "length": 1, "psh": "yes"}]})"),
            "VIEW.json: /Q/0/psh: expected a boolean, found a string");
}

TEST(ViewJson, UnknownAndDuplicateKeys) {
  EXPECT_EQ(err(R"({"foo": 1})"), "VIEW.json: /foo: unknown key");
  EXPECT_EQ(err(R"({"a/b~": 1})"), "VIEW.json: /a~1b~0: unknown key");
  EXPECT_EQ(err(R"({"mss": 1, "mss": 2})"), "VIEW.json: /mss: duplicate key");
  EXPECT_EQ(err(R"({"subflows": [{"id": 1, "rtt": 5, "rtt": 6}]})"), "VIEW.json: /subflows/0/rtt: duplicate key");
  EXPECT_EQ(err(R"({"subflows": [{"id": 1, "RTT": 5}]})"), "VIEW.json: /subflows/0/RTT: unknown key");
  EXPECT_EQ(err(R"({"Q": [{"seq": 0, "length": 10, "colour": 1}]})"), "VIEW.json: /Q/0/colour: unknown key");
  EXPECT_EQ(err(R"({"q": []})"), "VIEW.json: /q: unknown key");
  // A duplicate is found while reading, before any field check of earlier members.
  EXPECT_EQ(err(R"({"time_ms": -1, "Q": [], "Q": []})"), "VIEW.json: /Q: duplicate key");
}

TEST(ViewJson, Ranges) {
  EXPECT_EQ(err(R"({"time_ms": -1})"), "VIEW.json: /time_ms: value -1 is out of range [0, 9223372036854775]");
  EXPECT_EQ(err(R"({"version": 2})"), "VIEW.json: /version: unsupported version 2 (only 1 is supported)");
  EXPECT_EQ(err(R"({"version": 1})"), "(valid)");
  EXPECT_EQ(err(R"({"subflows": [{"id": 0}]})"),
            "VIEW.json: /subflows/0/id: value 0 is out of range [1, 2147483647]");
  EXPECT_EQ(err(R"({"subflows": [{"id": 2147483648}]})"),
            "VIEW.json: /subflows/0/id: value 2147483648 is out of range [1, 2147483647]");
  EXPECT_EQ(err(R"({"subflows": [{"id": 1, "loss_rate": 1001}]})"),
            "VIEW.json: /subflows/0/loss_rate: value 1001 is out of range [0, 1000]");
  EXPECT_EQ(err(R"({"subflows": [{"id": 1, "cwnd": -1}]})"),
            "VIEW.json: /subflows/0/cwnd: value -1 is out of range [0, 9223372036854775807]");
  EXPECT_EQ(err(R"({"random_seed": 18446744073709551615})"), "(valid)");
  EXPECT_EQ(err(R"({"random_seed": 18446744073709551616})"),
            "VIEW.json: /random_seed: value 18446744073709551616 is out of range [0, 18446744073709551615]");
  EXPECT_EQ(err(R"({"random_seed": -1})"),
            "VIEW.json: /random_seed: value -1 is out of range [0, 18446744073709551615]");
  EXPECT_EQ(err(R"({"registers": [9223372036854775808]})"),
            "VIEW.json: /registers/0: value 9223372036854775808 is out of range [-9223372036854775808, "
            "9223372036854775807]");
  EXPECT_EQ(err(R"({"registers": [-9223372036854775808]})"), "(valid)");
  EXPECT_EQ(err(R"({"registers": [-9223372036854775809]})"),
            "VIEW.json: /registers/0: value -9223372036854775809 is out of range [-9223372036854775808, "
            "9223372036854775807]");
  EXPECT_EQ(err(R"({"window_end": -5})"),
            "VIEW.json: /window_end: value -5 is out of range [0, 9223372036854775807]");
  EXPECT_EQ(err(R"({"window_end": null})"), "(valid)");
  EXPECT_EQ(err(R"({"mss": 0})"), "VIEW.json: /mss: value 0 is out of range [1, 9223372036854775807]");
  EXPECT_EQ(err(R"({"Q": [{"seq": 0, "length": 0}]})"),
            "VIEW.json: /Q/0/length: value 0 is out of range [1, 9223372036854775807]");
  EXPECT_EQ(err(R"({"Q": [{"seq": -3, "length": 1}]})"),
            "VIEW.json: /Q/0/seq: value -3 is out of range [0, 9223372036854775807]");
  EXPECT_EQ(err(R"({"Q": [{"seq": 0, "length": 1, "age_ms": -1}]})"),
            "VIEW.json: /Q/0/age_ms: value -1 is out of range [0, 9223372036854775]");
  EXPECT_EQ(err(R"({"Q": [{"seq": 9223372036854775807, "length": 1}]})"),
            "VIEW.json: /Q/0/length: seq + length exceeds 9223372036854775807");
  EXPECT_EQ(err(R"({"QU": [{"seq": 0, "length": 1, "sent_on": [0]}]})"),
            "VIEW.json: /QU/0/sent_on/0: value 0 is out of range [1, 2147483647]");
}

TEST(ViewJson, SizesAndRequiredKeys) {
  EXPECT_EQ(err(R"({"registers": [1, 2, 3, 4, 5, 6, 7]})"), "VIEW.json: /registers: too many registers (at most 6)");
  std::string many = R"({"subflows": [)";
  for (int i = 1; i <= 33; ++i) many += (i > 1 ? "," : "") + std::string(R"({"id":)") + std::to_string(i) + "}";
  many += "]}";
  EXPECT_EQ(err(many), "VIEW.json: /subflows: too many subflows (at most 32)");
  EXPECT_EQ(err(R"({"subflows": [{"rtt": 5}]})"), "VIEW.json: /subflows/0: missing required key \"id\"");
  EXPECT_EQ(err(R"({"Q": [{"length": 1}]})"), "VIEW.json: /Q/0: missing required key \"seq\"");
  EXPECT_EQ(err(R"({"Q": [{"seq": 0}]})"), "VIEW.json: /Q/0: missing required key \"length\"");
  // A field error inside the object comes before the missing key.
  EXPECT_EQ(err(R"({"Q": [{"seq": 0, "user": true}]})"), "VIEW.json: /Q/0/user: expected an integer, found a boolean");
}

TEST(ViewJson, Consistency) {
  EXPECT_EQ(err(R"({"subflows": [{"id": 1}, {"id": 1}]})"),
            "VIEW.json: /subflows/1/id: duplicate subflow ID 1 (also at /subflows/0)");
  EXPECT_EQ(err(R"({"Q": [{"seq": 0, "length": 10}, {"seq": 0, "length": 10}]})"),
            "VIEW.json: /Q/1/seq: duplicate SEQ 0 in Q (also at /Q/0)");
  EXPECT_EQ(err(R"({"QU": [{"seq": 0, "length": 10}], "RQ": [0, 0]})"),
            "VIEW.json: /RQ/1: duplicate SEQ 0 in RQ (also at /RQ/0)");
  EXPECT_EQ(err(R"({"Q": [{"seq": 0, "length": 10}, {"seq": 5, "length": 10}]})"),
            "VIEW.json: /Q/1: overlaps the packet with SEQ 0 at /Q/0");
  EXPECT_EQ(err(R"({"QU": [{"seq": 100, "length": 10}], "Q": [{"seq": 95, "length": 10}]})"),
            "VIEW.json: /QU/0: overlaps the packet with SEQ 95 at /Q/0");
  EXPECT_EQ(err(R"({"Q": [{"seq": 0, "length": 10}, {"seq": 10, "length": 10}]})"), "(valid)");
  EXPECT_EQ(err(R"({"Q": [{"seq": 0, "length": 10, "sent_on": [1]}]})"),
            "VIEW.json: /Q/0/sent_on: a packet listed only in Q must have an empty sent_on (list a pushed packet in "
            "QU too)");
  EXPECT_EQ(err(R"({"QU": [{"seq": 0, "length": 10, "sent_on": [1], "queued_on": [2]}]})"),
            "VIEW.json: /QU/0/queued_on/0: subflow 2 is not in sent_on");
  EXPECT_EQ(err(R"({"QU": [{"seq": 0, "length": 10, "sent_on": [1], "queued_on": [1]}]})"),
            "VIEW.json: /QU/0/queued_on/0: subflow 1 is not listed in subflows");
  EXPECT_EQ(err(R"({"QU": [{"seq": 0, "length": 10, "sent_on": [1, 1]}]})"),
            "VIEW.json: /QU/0/sent_on/1: duplicate subflow ID 1");
  EXPECT_EQ(err(R"({"Q": [{"seq": 0, "length": 10}], "QU": [{"seq": 0, "length": 10, "user": 1}]})"),
            "VIEW.json: /QU/0: differs from the packet with SEQ 0 at /Q/0");
  EXPECT_EQ(err(R"({"QU": [{"seq": 0, "length": 10, "sent_on": [2, 1]}], "RQ": [{"seq": 0, "length": 10, "sent_on": [1, 2]}]})"),
            "(valid)");  // identical up to order, which is not significant
  EXPECT_EQ(err(R"({"RQ": [5]})"), "VIEW.json: /RQ/0: no packet with SEQ 5 in QU");
  // A pushed packet still in Q is listed in Q and QU; sent_on is then allowed.
  EXPECT_EQ(err(R"({"subflows": [{"id": 1}], "Q": [{"seq": 0, "length": 10, "sent_on": [1], "queued_on": [1]}],
                    "QU": [{"seq": 0, "length": 10, "sent_on": [1], "queued_on": [1]}]})"),
            "(valid)");
  std::string ids;
  for (int i = 1; i <= 65; ++i) ids += (i > 1 ? "," : "") + std::to_string(i);
  EXPECT_EQ(err(R"({"QU": [{"seq": 0, "length": 1, "sent_on": [)" + ids + "]}]}"),
            "VIEW.json: /QU/0/sent_on/64: more than 64 distinct subflow IDs");
}

TEST(ViewJson, SyntaxErrorsNameTheirPlace) {
  EXPECT_EQ(err(R"({"time_ms": 5,})"),
            "VIEW.json: : invalid JSON at line 1, column 15: syntax error while parsing object key - unexpected '}'; "
            "expected string literal");
  const std::string e = err("{\"Q\": [{\"seq\": 0,\n \"psh\": tru}]}");
  EXPECT_EQ(e.rfind("VIEW.json: /Q/0/psh: invalid JSON at line 2, column ", 0), 0u) << e;
  EXPECT_EQ(err("").rfind("VIEW.json: : invalid JSON at line 1, column 1: ", 0), 0u);
  EXPECT_EQ(err("{} x").rfind("VIEW.json: : invalid JSON at line 1, column 4: ", 0), 0u);
}

TEST(ViewJson, CanonicalFormOfTheDefaults) {
  ViewParse p = parse_view("{}");
  ASSERT_TRUE(p.view);
  EXPECT_EQ(view_to_json(*p.view),
            R"({"version":1,"time_ms":0,"registers":[0,0,0,0,0,0],"random_seed":0,"window_end":null,"mss":1400,)"
            R"("subflows":[],"Q":[],"QU":[],"RQ":[]})");
}

TEST(ViewJson, CanonicalFormSortsAndNormalises) {
  ViewParse p = parse_view(R"({"registers": [7], "window_end": 5000, "random_seed": 18446744073709551615,
     "subflows": [{"id": 3, "delay_out": -4}, {"id": 1, "rtt": 20000, "is_backup": true}],
     "Q": [{"seq": 2800, "length": 1400, "psh": true}],
     "QU": [{"seq": 1400, "length": 1400, "sent_on": [3, 1], "queued_on": [3]}],
     "RQ": [{"seq": 0, "length": 1400, "age_ms": 12, "sent_on": [9]}, 1400]})");
  ASSERT_TRUE(p.view) << p.error->message("v");
  const std::string canonical =
      R"({"version":1,"time_ms":0,"registers":[7,0,0,0,0,0],"random_seed":18446744073709551615,"window_end":5000,)"
      R"("mss":1400,"subflows":[)"
      R"({"id":1,"rtt":20000,"rtt_var":0,"cwnd":10,"ssthresh":2147483647,"skbs_in_flight":0,"queued":0,)"
      R"("lost_skbs":0,"is_backup":true,"throttled":false,"lossy":false,"delay_in":null,"delay_out":null,)"
      R"("bw_out_send":0,"bw_out_ack":0,"bw":0,"loss_rate":0,"user":0},)"
      R"({"id":3,"rtt":10000,"rtt_var":0,"cwnd":10,"ssthresh":2147483647,"skbs_in_flight":0,"queued":0,)"
      R"("lost_skbs":0,"is_backup":false,"throttled":false,"lossy":false,"delay_in":null,"delay_out":-4,)"
      R"("bw_out_send":0,"bw_out_ack":0,"bw":0,"loss_rate":0,"user":0}],)"
      R"("Q":[{"seq":2800,"length":1400,"user":0,"psh":true,"age_ms":0,"sent_on":[],"queued_on":[]}],)"
      R"("QU":[{"seq":0,"length":1400,"user":0,"psh":false,"age_ms":12,"sent_on":[9],"queued_on":[]},)"
      R"({"seq":1400,"length":1400,"user":0,"psh":false,"age_ms":0,"sent_on":[1,3],"queued_on":[3]}],)"
      R"("RQ":[0,1400]})";
  EXPECT_EQ(view_to_json(*p.view), canonical);
  // The canonical form is a fixed point.
  ViewParse again = parse_view(canonical);
  ASSERT_TRUE(again.view);
  EXPECT_EQ(view_to_json(*again.view), canonical);
}

}  // namespace
}  // namespace progmp::runtime
