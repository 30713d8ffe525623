#include "progmp/testbed/privileges.hpp"

#include <unistd.h>

namespace progmp::testbed {

bool running_as_root() { return geteuid() == 0; }

}  // namespace progmp::testbed
