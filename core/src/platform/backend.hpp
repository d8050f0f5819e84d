// SPDX-License-Identifier: MIT
// What each backend (posix/, winsock/) provides to the portable part of the platform
// layer besides the calls declared in closesem/platform.hpp.
#pragma once

#include "closesem/errc.hpp"
#include "closesem/platform.hpp"

#include <cstddef>
#include <string>

namespace closesem::platform::backend {

// One row of a backend's error table: native code, its name, the portable error.
struct ErrorEntry {
  int code;
  const char* name;
  Errc errc;
};

// The backend's one error table. When several rows share an Errc, the first is the
// one native_from_errc() returns.
const ErrorEntry* error_table(std::size_t* count);

// What this platform is, read from the OS (common.cpp keeps the one copy).
Identity make_identity();

// Loopback of a transport, port 0 (a fresh path for AF_UNIX) (common.cpp).
Endpoint loopback_endpoint(Transport transport);

// getsockname (peer false) or getpeername (peer true) as an Endpoint; common.cpp
// builds local_endpoint and peer_endpoint on it.
CallResult endpoint_of(NativeHandle handle, bool peer, Endpoint& out);

// connect_within where no timeout bounds a blocking connect: non-blocking, waited for
// until writable, then asked again; then the send timeout set to `keep` unless 0
// (common.cpp).
CallResult connect_by_waiting(NativeHandle handle, const Endpoint& to, std::chrono::milliseconds timeout,
                              std::string& step, std::chrono::milliseconds keep);

// accept_within where no timeout bounds a blocking accept, or after its wait was
// interrupted: waits until the listener is readable, then accepts (common.cpp).
CallResult accept_by_waiting(NativeHandle listener, std::chrono::milliseconds timeout, Socket& out, Endpoint* peer);

// This process's id (for names of temporary files).
unsigned long process_id();

// A fresh AF_UNIX socket path in the temporary folder, removed when the process ends
// (common.cpp).
std::string unix_socket_path();

}  // namespace closesem::platform::backend
