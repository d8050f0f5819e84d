// SPDX-License-Identifier: MIT
// The roles a peer can play: one file each in roles/, listed once in role_table.cpp.
#pragma once

#include <string_view>
#include <vector>

namespace closesem::peer {

class Peer;

struct Role {
  std::string_view name;
  std::string_view summary;
  // Runs once the connection exists and any --send-first bytes are out. A role ends by
  // calling Peer::finish (or exit_without_close); one that waits for commands ends at
  // --timeout.
  void (*start)(Peer& peer);
};

const std::vector<Role>& roles();
const Role* find_role(std::string_view name);

void start_echo(Peer& peer);
void start_half_close_echo(Peer& peer);
void start_drain(Peer& peer);
void start_send_close(Peer& peer);
void start_send_abort(Peer& peer);
void start_close_unread(Peer& peer);
void start_never_read(Peer& peer);
void start_slow_reader(Peer& peer);
void start_exit_without_close(Peer& peer);
void start_reset_on_accept(Peer& peer);

}  // namespace closesem::peer
