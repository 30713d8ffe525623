// The transport is sans-IO (ARCHITECTURE.md): time and randomness are inputs, datagrams go in and out as bytes. This
// test greps the transport's sources for the ways that could be broken by accident, so that a clock read, rand() or
// a socket call below net/ fails the build's tests instead of a review (style anchor 2).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace {

// Source text with // comments removed: comments may name what the code must not do.
std::string code_of(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::ostringstream out;
  std::string line;
  while (std::getline(in, line)) {
    const auto comment = line.find("//");
    out << (comment == std::string::npos ? line : line.substr(0, comment)) << '\n';
  }
  return out.str();
}

TEST(SansIo, TransportReadsNoClockRandomnessOrSocket) {
  const std::regex forbidden(
      R"(<chrono>|std::chrono|steady_clock|system_clock|high_resolution_clock|<ctime>|<random>|<sys/socket\.h>|<netinet/|\b(rand|srand|time|clock|clock_gettime|)"
      R"(gettimeofday|socket|sendto|recvfrom|sendmsg|recvmsg|getenv)\s*\()");
  const std::filesystem::path root(PROGMP_SOURCE_DIR);
  int files = 0;
  for (const char* dir : {"include/progmp/transport", "src/transport"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root / dir)) {
      if (!entry.is_regular_file()) continue;
      const auto ext = entry.path().extension();
      if (ext != ".hpp" && ext != ".cpp" && ext != ".def") continue;
      ++files;
      const std::string code = code_of(entry.path());
      std::smatch m;
      EXPECT_FALSE(std::regex_search(code, m, forbidden)) << entry.path() << " uses " << m.str();
    }
  }
  EXPECT_GT(files, 10);
}

}  // namespace
