#include "npu/genai/tool_call_parser.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

namespace npu::genai {
namespace {

using Json = nlohmann::json;

Json parsed_json(std::string_view text) {
  auto calls = ToolCallParser::parse(text);
  EXPECT_TRUE(calls) << calls.error().what() << "\n  input: " << text;
  if (!calls) return nullptr;
  return Json::parse(ToolCallParser::to_json(*calls));
}

TEST(ToolCallParser, SpecExample) {
  const Json j = parsed_json(
      R"([get_weather(city="Paris", days=2, metric=True), f(x=[1, 2, {"a": None}], s='it\'s')])");
  EXPECT_EQ(j, Json::parse(R"([
    {"name": "get_weather", "arguments": {"city": "Paris", "days": 2, "metric": true}},
    {"name": "f", "arguments": {"x": [1, 2, {"a": null}], "s": "it's"}}])"));
}

TEST(ToolCallParser, ScalarsAndEscapes) {
  const Json j = parsed_json(
      R"([f(a=-3, b=2.5, c=-1e-3, d=+7, e=.5, g=False, h=None, i="tab\there", j="q\"uote", k='\u00e9\x41\U0001F600', l="back\\slash", m=12345678901234567890, n="\d")])");
  const Json& a = j[0]["arguments"];
  EXPECT_EQ(a["a"], -3);
  EXPECT_DOUBLE_EQ(a["b"].get<double>(), 2.5);
  EXPECT_DOUBLE_EQ(a["c"].get<double>(), -0.001);
  EXPECT_EQ(a["d"], 7);
  EXPECT_DOUBLE_EQ(a["e"].get<double>(), 0.5);
  EXPECT_EQ(a["g"], false);
  EXPECT_TRUE(a["h"].is_null());
  EXPECT_EQ(a["i"], "tab\there");
  EXPECT_EQ(a["j"], "q\"uote");
  EXPECT_EQ(a["k"], "éA😀");
  EXPECT_EQ(a["l"], "back\\slash");
  EXPECT_TRUE(a["m"].is_number_float());  // beyond int64: a float, like JSON parsers do
  EXPECT_EQ(a["n"], "\\d");               // unknown escapes stay as written (Python)
}

TEST(ToolCallParser, NestingTuplesDictsTrailingCommasNoBrackets) {
  EXPECT_EQ(parsed_json(R"(search(q="x", filters={"year": [2020, 2021], "tags": ("a", "b"),}, ))"),
            Json::parse(R"([{"name": "search", "arguments": {"q": "x", "filters":
                            {"year": [2020, 2021], "tags": ["a", "b"]}}}])"));
  EXPECT_EQ(parsed_json("[ns.tool()]"), Json::parse(R"([{"name": "ns.tool", "arguments": {}}])"));
  EXPECT_EQ(parsed_json("[f(d={1: 'one'})]"), Json::parse(R"([{"name": "f", "arguments": {"d": {"1": "one"}}}])"));
  EXPECT_EQ(parsed_json("  [a(), b(x=1)]\n"), Json::parse(R"([{"name": "a", "arguments": {}},
                                                            {"name": "b", "arguments": {"x": 1}}])"));
}

TEST(ToolCallParser, AcceptsJsonToolCallMode) {
  EXPECT_EQ(parsed_json(R"([{"name": "f", "arguments": {"x": 1}}])"),
            Json::parse(R"([{"name": "f", "arguments": {"x": 1}}])"));
}

TEST(ToolCallParser, MalformedCallsAreClearErrors) {
  for (std::string_view bad : {"", "[]", "[f(x=1)", "[f(x=)]", "[f(1)]", "[f(x=1) g()]",
                               "[f(x='open)]", "[f(x=[1, 2)]", "[f(x=unknown)]", "[f(x=1e)]",
                               "[(x=1)]", "[f(x=\"\\u12\")]", "not a call"}) {
    auto r = ToolCallParser::parse(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message().find("expected"), std::string::npos) << r.error().message();
  }
  auto r = ToolCallParser::parse("[f(x=)]");
  EXPECT_NE(r.error().message().find("offset 5"), std::string::npos) << r.error().message();
}

// A name is a Unicode identifier: non-ASCII letters are accepted as UTF-8 and come back unchanged
// in the JSON form; bytes that are not UTF-8 are refused (the fuzzer found a name whose JSON form,
// with the bad bytes replaced, no longer named the same function).
TEST(ToolCallParser, NamesMustBeUtf8) {
  Json ok = parsed_json("[caf\xc3\xa9_lookup(q=1)]");
  ASSERT_TRUE(ok.is_array());
  EXPECT_EQ(ok[0]["name"], "caf\xc3\xa9_lookup");
  auto back = ToolCallParser::parse(ToolCallParser::to_json(*ToolCallParser::parse("[caf\xc3\xa9_lookup(q=1)]")));
  ASSERT_TRUE(back);
  EXPECT_EQ((*back)[0].name, "caf\xc3\xa9_lookup");

  for (std::string_view bad : {"[se\x95\x95" "arch(q=1)]", "[f(q\xff=1)]", "[m.\xc3(q=1)]"}) {
    auto r = ToolCallParser::parse(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message().find("valid UTF-8"), std::string::npos) << r.error().message();
  }
  auto r = ToolCallParser::parse("[se\x95\x95" "arch(q=1)]");
  EXPECT_NE(r.error().message().find("offset 3"), std::string::npos) << r.error().message();
}

TEST(ToolCallParser, DeepNestingIsRefusedNotACrash) {
  const std::string deep = "[f(x=" + std::string(100000, '[') + std::string(100000, ']') + ")]";
  EXPECT_FALSE(ToolCallParser::parse(deep));
  const std::string ok = "[f(x=" + std::string(30, '[') + std::string(30, ']') + ")]";
  EXPECT_TRUE(ToolCallParser::parse(ok));
}

// Fuzz: random truncations and byte mutations of valid calls must never crash; whatever parses
// must give valid JSON of the documented shape.
TEST(ToolCallParser, FuzzTruncationsAndMutations) {
  const std::vector<std::string> seeds = {
      R"([get_weather(city="Paris", days=2, metric=True), f(x=[1, 2, {"a": None}], s='it\'s')])",
      R"([search(q="caf\u00e9 \"best\"", n=-10, r=3.5e2, opts={'deep': (1, [2, {"k": False}])})])",
      R"([{"name": "f", "arguments": {"x": [1, {"y": null}]}}])",
  };
  const std::string alphabet = "[](){},:='\"\\ -+.eE0123456789abcTrueFalseNone\xc3\xa9\n";
  std::mt19937 rng(2024);
  int parsed = 0, refused = 0;
  for (const std::string& seed : seeds) {
    for (std::size_t n = 0; n <= seed.size(); ++n) {
      (ToolCallParser::parse(seed.substr(0, n)) ? parsed : refused) += 1;
    }
    for (int i = 0; i < 3000; ++i) {
      std::string s = seed;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits && !s.empty(); ++e) {
        const std::size_t at = rng() % s.size();
        switch (rng() % 3) {
          case 0: s[at] = alphabet[rng() % alphabet.size()]; break;
          case 1: s.erase(at, 1 + rng() % 3); break;
          default: s.insert(at, 1, alphabet[rng() % alphabet.size()]);
        }
      }
      auto r = ToolCallParser::parse(s);
      if (!r) {
        ++refused;
        EXPECT_FALSE(r.error().message().empty());
        continue;
      }
      ++parsed;
      const Json j = Json::parse(ToolCallParser::to_json(*r), nullptr, false);
      ASSERT_FALSE(j.is_discarded()) << s;
      ASSERT_TRUE(j.is_array());
      for (const Json& call : j) {
        ASSERT_TRUE(call["name"].is_string());
        ASSERT_TRUE(call["arguments"].is_object());
      }
    }
  }
  EXPECT_GT(parsed, 0);
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace npu::genai
