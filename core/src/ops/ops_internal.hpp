// SPDX-License-Identifier: MIT
// What each op kind uses, in one place: the parser, the printer, the codec and the
// structural comparison all ask here, so a field an op does not use never matters.
#pragma once

#include <vector>

#include "closesem/ops.hpp"

namespace closesem::ops::detail {

// Every op but startup and cleanup names an endpoint X.
bool has_endpoint(OpKind kind);
// pair, connect, accept and dup name a second endpoint Y, which must differ from X.
bool has_other(OpKind kind);
// pair and socket take a socket kind.
bool has_socket_kind(OpKind kind);
// send and recv (bytes), linger on (seconds), wait with MS written (milliseconds).
bool uses_count(const Op& op);

// Whether alternatives are in the canonical order, without duplicates.
bool in_canonical_order(const std::vector<Outcome>& alternatives);

// Sorts alternatives into the canonical order (ok, values by value, then errors in Errc
// order) and drops duplicates.
void sort_alternatives(std::vector<Outcome>& alternatives);

// Resets every field the op's kind does not use to the Op default, sorts the
// alternatives and forgets the location. Values are left as they are (no clamping).
void canonicalise(Op& op);

}  // namespace closesem::ops::detail
