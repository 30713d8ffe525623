// `progmp keygen -o FILE [--force]`: writes a new key pair file (mode 0600) and prints the public key, which
// clients pass as --server-key (or a server puts into its --allow file).
//
// Exit status: 0 after writing; 2 when the file cannot be written (it exists, without --force).
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "progmp/net/key_file.hpp"
#include "progmp/net/system_random.hpp"
#include "progmp/transport/crypto/keys.hpp"

namespace progmp::tools {

void add_keygen_command(CLI::App& app) {
  struct Options {
    std::string out;
    bool force = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("keygen", "Write a new key pair (X25519) and print its public key");
  cmd->add_option("-o,--out", opt->out, "Key pair file to write (mode 0600)")->required()->type_name("FILE");
  cmd->add_flag("--force", opt->force, "Replace an existing file");
  cmd->callback([opt] {
    net::SystemRandom random;
    const transport::crypto::KeyPair keys = transport::crypto::generate_key_pair(random);
    std::string error;
    if (!net::save_key_pair(opt->out, keys, opt->force, error)) {
      std::cerr << "progmp keygen: " << error << '\n';
      throw CLI::RuntimeError(2);
    }
    std::cout << transport::crypto::to_text(keys.public_key) << '\n';
  });
}

}  // namespace progmp::tools
