// SPDX-License-Identifier: MIT
// Which asio model profile (asio_model.hpp) this process runs under: the one place the
// asio model looks at the platform's identity.
#include "closesem/asio_runner.hpp"

#include "closesem/platform.hpp"

#include <string>

namespace closesem::asio_model {

const BackendProfile& profile_for_this_platform() {
  static const BackendProfile chosen = [] {
    if (platform::identity().under_wine()) return wine_profile();
    if (platform::api() == platform::Api::winsock) return windows_profile();
    return linux_profile();
  }();
  return chosen;
}

}  // namespace closesem::asio_model
