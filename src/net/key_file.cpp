#include "progmp/net/key_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace progmp::net {

namespace {

using transport::crypto::KeyPair;
using transport::crypto::PublicKey;

std::string trim(std::string_view s) {
  const auto a = s.find_first_not_of(" \t\r\n");
  if (a == std::string_view::npos) return {};
  const auto b = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(a, b - a + 1));
}

bool read_lines(const std::string& path, std::vector<std::string>& lines, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = path + ": cannot read: " + std::strerror(errno);
    return false;
  }
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return true;
}

}  // namespace

std::optional<KeyPair> load_key_pair(const std::string& path, std::string& error) {
  std::vector<std::string> lines;
  if (!read_lines(path, lines, error)) return std::nullopt;
  std::optional<transport::crypto::SecretKey> secret;
  std::optional<PublicKey> pub;
  std::size_t public_line = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string line = trim(lines[i]);
    if (line.empty() || line[0] == '#') continue;
    const std::string where = path + ":" + std::to_string(i + 1) + ": ";
    std::string e;
    if (line.starts_with("secret:")) {
      secret = transport::crypto::secret_key_from_text(line.substr(7), e);
      if (!secret) {
        error = where + "secret key: " + e;
        return std::nullopt;
      }
    } else if (line.starts_with("public:")) {
      pub = transport::crypto::public_key_from_text(line.substr(7), e);
      public_line = i + 1;
      if (!pub) {
        error = where + "public key: " + e;
        return std::nullopt;
      }
    } else {
      error = where + "expected 'secret: KEY' or 'public: KEY' (a key pair file written by progmp keygen)";
      return std::nullopt;
    }
  }
  if (!secret) {
    error = path + ": no 'secret:' line (is this a public key? the server needs its key pair file)";
    return std::nullopt;
  }
  KeyPair keys;
  keys.secret = *secret;
  keys.public_key = transport::crypto::public_key_of(*secret);
  if (pub && !(*pub == keys.public_key)) {
    error = path + ":" + std::to_string(public_line) + ": the public key does not belong to the secret key";
    return std::nullopt;
  }
  return keys;
}

bool save_key_pair(const std::string& path, const KeyPair& keys, bool overwrite, std::string& error) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
  const int fd = ::open(path.c_str(), flags, 0600);
  if (fd < 0) {
    error = path + ": cannot create: " + std::strerror(errno) + (errno == EEXIST ? " (use --force to replace it)" : "");
    return false;
  }
  ::fchmod(fd, 0600);  // also when an existing file is replaced
  const std::string text = "# progmp key pair: the secret line must stay secret\nsecret: " + to_text(keys.secret) +
                           "\npublic: " + to_text(keys.public_key) + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const int saved = errno;
  ::close(fd);
  if (!ok) error = path + ": cannot write: " + std::strerror(saved);
  return ok;
}

std::optional<PublicKey> load_public_key(std::string_view text_or_path, std::string& error) {
  std::string e;
  if (auto k = transport::crypto::public_key_from_text(text_or_path, e)) return k;
  const std::string path(text_or_path);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    error = "'" + path + "' is neither a public key (" + e + ") nor a file";
    return std::nullopt;
  }
  std::vector<std::string> lines;
  if (!read_lines(path, lines, error)) return std::nullopt;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string line = trim(lines[i]);
    if (line.empty() || line[0] == '#' || line.starts_with("secret:")) continue;
    if (line.starts_with("public:")) line = trim(line.substr(7));
    auto k = transport::crypto::public_key_from_text(line, e);
    if (!k) error = path + ":" + std::to_string(i + 1) + ": " + e;
    return k;
  }
  error = path + ": no public key in the file";
  return std::nullopt;
}

std::optional<std::vector<PublicKey>> load_allow_list(const std::string& path, std::string& error) {
  std::vector<std::string> lines;
  if (!read_lines(path, lines, error)) return std::nullopt;
  std::vector<PublicKey> keys;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string line = trim(lines[i]);
    if (line.empty() || line[0] == '#') continue;
    if (line.starts_with("public:")) line = trim(line.substr(7));
    std::string e;
    auto k = transport::crypto::public_key_from_text(line, e);
    if (!k) {
      error = path + ":" + std::to_string(i + 1) + ": " + e;
      return std::nullopt;
    }
    keys.push_back(*k);
  }
  if (keys.empty()) {
    error = path + ": no public key (an empty allow list would refuse every client)";
    return std::nullopt;
  }
  return keys;
}

}  // namespace progmp::net
