// SPDX-License-Identifier: MIT
// Every role, once: its name on the command line, what it does, where it starts.
#include "roles/roles.hpp"

namespace closesem::peer {

const std::vector<Role>& roles() {
  static const std::vector<Role> kRoles{
      {"echo", "echo everything received until end of stream, then close", start_echo},
      {"half-close-echo", "read until end of stream, send it all back, then close", start_half_close_echo},
      {"drain", "read until the stream ends (FIN, reset or timeout)", start_drain},
      {"send-close", "send --bytes N, then close gracefully", start_send_close},
      {"send-abort", "send --bytes N, then SO_LINGER {1,0} and close: a reset", start_send_abort},
      {"close-unread", "wait until data arrives, close without reading it: a reset", start_close_unread},
      {"never-read", "never read; wait for commands (read starts draining) or the timeout", start_never_read},
      {"slow-reader", "read at most --chunk bytes every --interval-ms until end of stream",
       start_slow_reader},
      {"exit-without-close", "end the process without closing the socket (--unread: once data came)",
       start_exit_without_close},
      {"reset-on-accept", "SO_LINGER {1,0} and close as soon as the connection exists",
       start_reset_on_accept},
  };
  return kRoles;
}

const Role* find_role(std::string_view name) {
  for (const auto& role : roles()) {
    if (role.name == name) return &role;
  }
  return nullptr;
}

}  // namespace closesem::peer
