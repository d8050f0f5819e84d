// SPDX-License-Identifier: MIT
// Questions a checker asks the model about its state, beyond predict(): they let a fuzz
// target check a property over several ops without restating a platform rule.
#include "closesem/model.hpp"

namespace closesem::model {

bool Model::close_resets_peer(int endpoint) const {
  const Socket* s = sock(endpoint);
  if (s == nullptr || s->unknown || s->phase != Socket::Phase::connected || s->peer < 0 || s->reset_in) return false;
  return close_is_abortive(*s);
}

bool Model::never_connected(int endpoint) const {
  const Socket* s = sock(endpoint);
  if (s == nullptr || s->unknown || s->stale) return false;
  if (s->phase != Socket::Phase::unconnected && s->phase != Socket::Phase::listening) return false;
  return !slot_on(socket_of(endpoint));
}

bool Model::close_is_abortive(const Socket& s) const {
  // A TCP connection whose FINs both went is over: nothing to reset (trait
  // close_after_both_fins_resets).
  if (s.kind != ops::Transport::unix_stream && s.shut_wr && !s.fin_unsent && s.fin_in &&
      !profile_->traits.close_after_both_fins_resets.value)
    return false;
  // closesocket's linger table (linger {1,0}: a hard close) and catalogue #5 (unread
  // data resets); AF_UNIX has no RST: SO_LINGER does nothing there, unread data still
  // resets (unix.7).
  return (s.linger_on && s.linger_s == 0 && s.kind != ops::Transport::unix_stream) || s.inbound > 0;
}

}  // namespace closesem::model
