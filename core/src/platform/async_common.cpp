// SPDX-License-Identifier: MIT
// What the pending-call and notification interfaces share on every platform (names, the
// base classes' destructors). The mechanisms themselves: posix/ and winsock/.
#include "closesem/platform.hpp"

namespace closesem::platform {

std::string_view to_string(AsyncMechanism mechanism) {
  switch (mechanism) {
    case AsyncMechanism::thread: return "thread";
    case AsyncMechanism::overlapped: return "overlapped";
    case AsyncMechanism::iocp: return "iocp";
    case AsyncMechanism::uring: return "uring";
  }
  return "?";
}

std::string_view to_string(AsyncCallKind call) {
  switch (call) {
    case AsyncCallKind::recv: return "recv";
    case AsyncCallKind::send: return "send";
    case AsyncCallKind::accept: return "accept";
    case AsyncCallKind::connect: return "connect";
  }
  return "?";
}

Notifier::~Notifier() = default;
AsyncCall::~AsyncCall() = default;

}  // namespace closesem::platform
