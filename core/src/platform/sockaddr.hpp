// SPDX-License-Identifier: MIT
// Socket addresses <-> Endpoint, shared by both backends (their headers differ, the
// structures do not). Included only by posix/ and winsock/ sources.
#pragma once

#include "closesem/platform.hpp"
#include "backend.hpp"

#if defined(_WIN32)
#include <winsock2.h>
#include <ws2tcpip.h>
#include <afunix.h>
#else   // defined(_WIN32)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#endif  // defined(_WIN32)

#include <cstddef>
#include <cstring>

namespace closesem::platform::backend {

// sockaddr storage with its length, as the socket calls take it.
struct Address {
  sockaddr_storage storage{};
  socklen_t length = sizeof(sockaddr_storage);
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
};

inline int family_of(Transport transport) {
  switch (transport) {
    case Transport::tcp4: return AF_INET;
    case Transport::tcp6: return AF_INET6;
    case Transport::unix_stream: return AF_UNIX;
  }
  return AF_UNSPEC;
}

// False when the endpoint's address does not parse or does not fit.
inline bool to_address(const Endpoint& endpoint, Address& out) {
  out = Address{};
  switch (endpoint.transport) {
    case Transport::tcp4: {
      sockaddr_in in{};
      in.sin_family = AF_INET;
      in.sin_port = htons(endpoint.port);
      if (::inet_pton(AF_INET, endpoint.address.c_str(), &in.sin_addr) != 1) return false;
      std::memcpy(&out.storage, &in, sizeof(in));
      out.length = sizeof(in);
      return true;
    }
    case Transport::tcp6: {
      sockaddr_in6 in6{};
      in6.sin6_family = AF_INET6;
      in6.sin6_port = htons(endpoint.port);
      if (::inet_pton(AF_INET6, endpoint.address.c_str(), &in6.sin6_addr) != 1) return false;
      std::memcpy(&out.storage, &in6, sizeof(in6));
      out.length = sizeof(in6);
      return true;
    }
    case Transport::unix_stream: {
      sockaddr_un un{};
      un.sun_family = AF_UNIX;
      if (endpoint.address.size() >= sizeof(un.sun_path)) return false;
      std::memcpy(un.sun_path, endpoint.address.c_str(), endpoint.address.size() + 1);
      // "@name" is Linux's abstract namespace: a leading NUL and no terminating one.
      const bool abstract = !endpoint.address.empty() && endpoint.address[0] == '@';
      if (abstract) un.sun_path[0] = '\0';
      std::memcpy(&out.storage, &un, sizeof(un));
      out.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + endpoint.address.size() + (abstract ? 0 : 1));
      return true;
    }
  }
  return false;
}

inline Endpoint from_address(const Address& address) {
  Endpoint out;
  char text[INET6_ADDRSTRLEN] = {};
  switch (address.storage.ss_family) {
    case AF_INET: {
      sockaddr_in in{};
      std::memcpy(&in, &address.storage, sizeof(in));
      out.transport = Transport::tcp4;
      ::inet_ntop(AF_INET, &in.sin_addr, text, sizeof(text));
      out.address = text;
      out.port = ntohs(in.sin_port);
      break;
    }
    case AF_INET6: {
      sockaddr_in6 in6{};
      std::memcpy(&in6, &address.storage, sizeof(in6));
      out.transport = Transport::tcp6;
      ::inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof(text));
      out.address = text;
      out.port = ntohs(in6.sin6_port);
      break;
    }
    case AF_UNIX: {
      sockaddr_un un{};
      std::memcpy(&un, &address.storage, sizeof(un));
      out.transport = Transport::unix_stream;
      const auto offset = offsetof(sockaddr_un, sun_path);
      const auto length = static_cast<std::size_t>(address.length);
      if (length > offset + 1 && un.sun_path[0] == '\0')
        out.address = "@" + std::string(un.sun_path + 1, length - offset - 1);  // abstract
      else if (length > offset)
        out.address.assign(un.sun_path, ::strnlen(un.sun_path, length - offset));
      break;
    }
    default: break;
  }
  return out;
}

}  // namespace closesem::platform::backend
