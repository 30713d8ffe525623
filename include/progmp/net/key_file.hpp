// Key files: how a server's identity (and optionally a client's) is stored, and how a peer's public key is given.
//
//   # progmp key pair: the secret line must stay secret (mode 0600)
//   secret: <base64, 44 characters>
//   public: <base64, 44 characters>
//
// `progmp keygen -o FILE` writes one (and prints the public line); `--key FILE` reads it. A public key is given
// either as its base64 text or as a file holding it (a bare base64 line, or a key pair file, whose public line is
// used); `--allow FILE` holds one public key per line (# comments and blank lines ignored).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "progmp/transport/crypto/keys.hpp"

namespace progmp::net {

// Reads a key pair file; checks that the public line belongs to the secret one. Errors name the file and line.
std::optional<transport::crypto::KeyPair> load_key_pair(const std::string& path, std::string& error);
// Writes a key pair file with mode 0600. Refuses to overwrite an existing file unless `overwrite`.
bool save_key_pair(const std::string& path, const transport::crypto::KeyPair& keys, bool overwrite,
                   std::string& error);
// A public key from base64 text, or from a file holding one (bare or a key pair file).
std::optional<transport::crypto::PublicKey> load_public_key(std::string_view text_or_path, std::string& error);
// An allow list: one public key per line.
std::optional<std::vector<transport::crypto::PublicKey>> load_allow_list(const std::string& path, std::string& error);

}  // namespace progmp::net
