// SPDX-License-Identifier: MIT
// What each op kind uses, in one place: the parser, the printer, the codec and the
// structural comparison all ask here, so a field an op does not use never matters.
#pragma once

#include <vector>

#include "closesem/ops.hpp"

namespace closesem::ops::detail {

// Every op but startup, cleanup, collect and cancel names an endpoint X (collect and
// cancel name a pending slot instead).
bool has_endpoint(OpKind kind);
// pair, connect, accept and dup name a second endpoint Y, which must differ from X.
bool has_other(OpKind kind);
// ... and so does a start of an accept (Y: the accepted socket) or a connect (Y: the
// listener): the kinds above, and start by its call.
bool has_other(const Op& op);
// pair and socket take a socket kind.
bool has_socket_kind(OpKind kind);
// start, collect and cancel name a pending slot @1..@4.
bool has_slot(OpKind kind);
// wait, collect, poll, epoll, select and events take an optional MS (count_given).
bool has_optional_ms(OpKind kind);
// send and recv (bytes), start of a recv or a send (bytes), linger on (seconds), an op
// with an optional MS where MS was written (milliseconds).
bool uses_count(const Op& op);

// Whether alternatives are in the canonical order, without duplicates.
bool in_canonical_order(const std::vector<Outcome>& alternatives);

// Sorts alternatives into the canonical order (ok, values by value, event sets by bits
// then close error, errors in Errc order, fails, blocked) and drops duplicates.
void sort_alternatives(std::vector<Outcome>& alternatives);

// Resets every field the op's kind does not use to the Op default, sorts the
// alternatives and forgets the location. Values are left as they are (no clamping).
// The invalid handle is kept only where the kind allows it (its endpoint is then 0).
void canonicalise(Op& op);

}  // namespace closesem::ops::detail
