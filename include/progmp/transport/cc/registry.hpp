// Congestion controllers by name, so that scenarios and the CLI can choose one (`[transport] cc = "olia"`), as
// picoquic's registry does. Names are lower case and exact.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "progmp/transport/cc/controller.hpp"

namespace progmp::transport::cc {

// The connection default (issue #3: LIA, the algorithm of RFC 6356 and of the Linux MPTCP the paper used).
inline constexpr std::string_view kDefaultController = "lia";

// "reno", "cubic", "lia", "olia", in that order.
std::span<const std::string_view> controller_names();

// A fresh controller for one subflow. Returns nullptr for an unknown name or an MSS of zero and then, if `error`
// is given, stores a one-line reason there (naming the known algorithms); `error` is left alone on success.
std::unique_ptr<Controller> make_controller(std::string_view name, Bytes mss, std::string* error = nullptr);

}  // namespace progmp::transport::cc
