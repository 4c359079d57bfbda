// SPDX-License-Identifier: MIT
/// \file
/// listen_loopback(): the listening socket of an in-process test server (the RFC 2217 and
/// WebREPL stand-ins, the HTTP servers) on 127.0.0.1 at a port the system picks.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/test/unit_test.hpp>

namespace mpytool::testing {

/// A listening TCP socket on 127.0.0.1 (SO_REUSEADDR, close-on-exec) at a free port, which
/// goes to \p port; the caller closes the returned descriptor.
inline int listen_loopback(unsigned short& port, int backlog = 4) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  BOOST_REQUIRE(fd >= 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  BOOST_REQUIRE(::listen(fd, backlog) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return fd;
}

}  // namespace mpytool::testing
