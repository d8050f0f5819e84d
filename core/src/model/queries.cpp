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

bool Model::hard_close_resets(int endpoint, int other) const {
  const Socket* s = sock(endpoint);
  const Socket* o = sock(other);
  if (s == nullptr || o == nullptr || s->unknown || s->stale || o->unknown || o->stale) return false;
  if (s->kind == ops::Transport::unix_stream || s->phase != Socket::Phase::connected ||
      o->phase != Socket::Phase::connected || s->reset_in || o->reset_in)
    return false;
  const int mine = socket_of(endpoint);
  const int theirs = socket_of(other);
  if (mine == theirs || s->peer != theirs || o->peer != mine || slot_on(mine) || slot_on(theirs)) return false;
  return !fins_ended(*s);
}

bool Model::fins_ended(const Socket& s) const {
  // A TCP connection whose FINs both went is over: nothing to reset (trait
  // close_after_both_fins_resets).
  return s.kind != ops::Transport::unix_stream && s.shut_wr && !s.fin_unsent && s.fin_in &&
         !profile_->traits.close_after_both_fins_resets.value;
}

bool Model::close_is_abortive(const Socket& s) const {
  if (fins_ended(s)) return false;
  // closesocket's linger table (linger {1,0}: a hard close) and catalogue #5 (unread
  // data resets); AF_UNIX has no RST: SO_LINGER does nothing there, unread data still
  // resets (unix.7).
  return (s.linger_on && s.linger_s == 0 && s.kind != ops::Transport::unix_stream) || s.inbound > 0;
}

}  // namespace closesem::model
