// SPDX-License-Identifier: MIT
// Test fixtures of the mip library's tests: a temporary directory, a small v2 index written
// into it (file/HH/HASH, package/{mpy}/NAME/{VER}.json), and an in-process HTTP/1.1 server on
// 127.0.0.1 serving a directory (keep-alive, counting requests, with per-path overrides for
// status codes) — never an external host.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "loopback.hpp"
#include "mpytool/mip/cache.hpp"

namespace mip_test {

namespace fs = std::filesystem;

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void spit(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << data;
}

// A predicate for BOOST_CHECK_EXCEPTION: the error's message is \p text exactly.
template <class E>
std::function<bool(const E&)> says(const std::string& text) {
  return [text](const E& e) {
    BOOST_TEST_MESSAGE(e.what());
    return std::string(e.what()) == text;
  };
}

// A fresh directory, removed at the end.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "mpytool-mip-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string str(const std::string& sub = "") const {
    return sub.empty() ? path.string() : (path / sub).string();
  }
};

// A v2 index in a directory.
struct Index {
  fs::path root;
  explicit Index(fs::path r) : root(std::move(r)) { fs::create_directories(root); }

  // Stores \p content as file/HH/HASH (8 hex); returns HASH.
  std::string file(const std::string& content) const {
    const std::string h = mpytool::mip::sha256_hex(content).substr(0, 8);
    spit(root / "file" / h.substr(0, 2) / h, content);
    return h;
  }

  // package/{mpy}/NAME/{VER}.json (and latest.json when \p latest): files as [path, content],
  // deps as [name, version].
  void package(const std::string& mpy, const std::string& name, const std::string& version,
               const std::vector<std::pair<std::string, std::string>>& files,
               const std::vector<std::pair<std::string, std::string>>& deps = {},
               bool latest = true) const {
    std::string j = "{\"v\": 1, \"version\": \"" + version + "\", \"hashes\": [";
    for (std::size_t i = 0; i < files.size(); ++i) {
      j += (i ? ", " : "") + std::string("[\"") + files[i].first + "\", \"" +
           file(files[i].second) + "\"]";
    }
    j += "], \"deps\": [";
    for (std::size_t i = 0; i < deps.size(); ++i) {
      j += (i ? ", " : "") + std::string("[\"") + deps[i].first + "\", \"" + deps[i].second + "\"]";
    }
    j += "]}";
    raw(mpy, name, version, j);
    if (latest) raw(mpy, name, "latest", j);
  }

  void raw(const std::string& mpy, const std::string& name, const std::string& version,
           const std::string& json) const {
    spit(root / "package" / mpy / name / (version + ".json"), json);
  }
};

// Sets an environment variable for a scope.
struct Env {
  std::string name;
  Env(std::string n, const std::string& value) : name(std::move(n)) {
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~Env() { ::unsetenv(name.c_str()); }
};

// An HTTP/1.1 server on 127.0.0.1 serving files under \p root (404 when absent), keep-alive.
// status_for(path, code) answers that path with the status instead; requests() counts.
class DirServer {
 public:
  explicit DirServer(fs::path root) : root_(std::move(root)) {
    fd_ = mpytool::testing::listen_loopback(port_, 64);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~DirServer() { stop(); }

  // Closes the listening socket and every connection: later requests fail to connect.
  void stop() {
    if (stopped_.exchange(true)) return;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    acceptor_.join();
    {
      std::lock_guard lock(mutex_);
      for (int c : conns_) ::shutdown(c, SHUT_RDWR);
    }
    for (auto& t : workers_) t.join();
  }

  std::string url(const std::string& path = "") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int requests() const { return requests_; }
  // How many requests asked for a path starting with \p prefix.
  int requests_for(const std::string& prefix) const {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& p : paths_) n += p.starts_with(prefix) ? 1 : 0;
    return n;
  }
  void status_for(const std::string& path, int code) {
    std::lock_guard lock(mutex_);
    overrides_[path] = code;
  }

 private:
  void accept_loop() {
    for (;;) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) {
        if (stopped_) return;
        continue;
      }
      std::lock_guard lock(mutex_);
      conns_.push_back(c);
      workers_.emplace_back([this, c] { serve(c); });
    }
  }

  void serve(int c) {
    std::string pending;
    for (;;) {
      auto end = pending.find("\r\n\r\n");
      while (end == std::string::npos) {
        char buf[4096];
        long n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) return close(c);
        pending.append(buf, static_cast<std::size_t>(n));
        end = pending.find("\r\n\r\n");
      }
      const std::string head = pending.substr(0, end);
      pending.erase(0, end + 4);
      const auto sp1 = head.find(' ');
      const auto sp2 = head.find(' ', sp1 + 1);
      std::string path = head.substr(sp1 + 1, sp2 - sp1 - 1);
      ++requests_;
      int code = 200;
      {
        std::lock_guard lock(mutex_);
        paths_.push_back(path);
        if (auto it = overrides_.find(path); it != overrides_.end()) code = it->second;
      }
      const auto q = path.find('?');
      const fs::path file = root_ / path.substr(1, q == std::string::npos ? q : q - 1);
      std::string body;
      if (code == 200) {
        std::error_code ec;
        if (fs::is_regular_file(file, ec)) {
          body = slurp(file);
        } else {
          code = 404;
        }
      }
      if (code != 200) body = "error";
      const std::string resp = "HTTP/1.1 " + std::to_string(code) +
                               " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                               body;
      if (::send(c, resp.data(), resp.size(), MSG_NOSIGNAL) != static_cast<long>(resp.size())) {
        return close(c);
      }
    }
  }

  void close(int c) {
    std::lock_guard lock(mutex_);
    std::erase(conns_, c);
    ::close(c);
  }

  fs::path root_;
  int fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stopped_{false};
  std::atomic<int> requests_{0};
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::vector<int> conns_;
  std::vector<std::thread> workers_;
  std::vector<std::string> paths_;
  std::map<std::string, int> overrides_;
};

}  // namespace mip_test
