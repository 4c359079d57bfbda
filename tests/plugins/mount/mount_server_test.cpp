// SPDX-License-Identifier: MIT
// The mount server against scripted requests: stat (with the parent listing an import uses),
// listings with `ln` entries, open/read/close with the whole small file in the open's reply,
// positional reads and writes, the read-only refusals, EMFILE, malformed and unknown requests,
// and dismissed mounts.
#include <fcntl.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "mpytool/mount/server.hpp"

namespace m = mpytool::mount;
namespace fs = std::filesystem;

namespace {

struct Dir {
  fs::path top;
  Dir() {
    char tmpl[] = "/tmp/mount_server_XXXXXX";
    top = fs::canonical(::mkdtemp(tmpl));
    fs::create_directories(top / "root/pkg");
    fs::create_directories(top / "drivers");
    std::ofstream(top / "root/small.py") << "print('small')\n";
    std::ofstream(top / "root/pkg/__init__.py") << "";
    std::ofstream(top / "drivers/d.py") << "D = 1\n";
    std::ofstream(top / "outside.txt") << "secret";
  }
  ~Dir() { fs::remove_all(top); }
  fs::path root() const { return top / "root"; }
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

m::Request req(m::Cmd c, std::string payload) {
  return {static_cast<std::uint8_t>(c), 0, std::move(payload)};
}

std::string pos_count(std::uint8_t fd, std::uint32_t pos, std::uint32_t count) {
  std::string p(1, static_cast<char>(fd));
  m::put_u32(p, pos);
  m::put_u32(p, count);
  return p;
}

std::vector<std::string> names(const std::string& listing) {
  std::vector<std::string> out;
  std::size_t o = 0;
  while (o < listing.size()) {
    const std::size_t k = static_cast<unsigned char>(listing[o]);
    out.push_back(listing.substr(o + 11, k));
    o += 11 + k;
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mount_server_test)

BOOST_AUTO_TEST_CASE(stat_carries_the_parent_listing) {
  Dir d;
  m::MountServer s(d.root(), {});
  m::Reply r = s.handle(req(m::Cmd::kStat, "/small"));
  BOOST_TEST(r.status == ENOENT);  // an import asks for "small" first
  BOOST_TEST((r.flags & m::kListing) != 0);
  BOOST_TEST(names(r.payload) == (std::vector<std::string>{"pkg", "small.py"}));
  r = s.handle(req(m::Cmd::kStat, "/small.py"));
  BOOST_TEST(r.status == 0);
}

BOOST_AUTO_TEST_CASE(plain_stat_without_listing) {
  Dir d;
  m::ServerOptions o;
  o.listing_limit = 0;
  m::MountServer s(d.root(), o);
  m::Reply r = s.handle(req(m::Cmd::kStat, "/small.py"));
  BOOST_TEST(r.status == 0);
  BOOST_TEST(r.flags == 0);
  BOOST_TEST(r.payload.size() == 10u);
  BOOST_TEST(static_cast<unsigned char>(r.payload[1]) == 0x80);  // mode 0x8000
  BOOST_TEST(m::get_u32(r.payload, 2) == 15u);
  BOOST_TEST(s.handle(req(m::Cmd::kStat, "/pkg")).status == 0);
  BOOST_TEST(s.handle(req(m::Cmd::kStat, "/nope")).status == ENOENT);
  BOOST_TEST(s.handle(req(m::Cmd::kStat, "/../outside.txt")).status == EACCES);
}

BOOST_AUTO_TEST_CASE(listing_includes_links_and_virtual_dirs) {
  Dir d;
  m::MountServer s(d.root(), {});
  s.jail().add_submount("lib/drivers", d.top / "drivers");
  s.jail().add_submount("cfg.py", d.top / "drivers/d.py");
  m::Reply r = s.handle(req(m::Cmd::kListdir, "/"));
  BOOST_TEST(r.status == 0);
  BOOST_TEST(names(r.payload) == (std::vector<std::string>{"cfg.py", "lib", "pkg", "small.py"}));
  r = s.handle(req(m::Cmd::kListdir, "/lib"));
  BOOST_TEST(names(r.payload) == (std::vector<std::string>{"drivers"}));
  r = s.handle(req(m::Cmd::kListdir, "/lib/drivers"));
  BOOST_TEST(names(r.payload) == (std::vector<std::string>{"d.py"}));
  BOOST_TEST(s.handle(req(m::Cmd::kListdir, "/small.py")).status == ENOTDIR);
  BOOST_TEST(s.handle(req(m::Cmd::kListdir, "/nope")).status == ENOENT);
}

BOOST_AUTO_TEST_CASE(small_file_arrives_whole_with_the_open) {
  Dir d;
  m::MountServer s(d.root(), {});
  m::Reply r = s.handle(req(m::Cmd::kOpen, std::string("rb\0/small.py", 12)));
  BOOST_TEST(r.status == 0);
  BOOST_TEST((r.flags & m::kEof) != 0);
  BOOST_TEST(static_cast<unsigned char>(r.payload[0]) == m::kNoFd);
  BOOST_TEST(m::get_u32(r.payload, 1) == 15u);
  BOOST_TEST(r.payload.substr(5) == "print('small')\n");
  BOOST_TEST(s.open_files() == 0u);
}

BOOST_AUTO_TEST_CASE(large_file_reads_positionally_to_the_end) {
  Dir d;
  std::string big(10000, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  std::ofstream(d.root() / "big.bin", std::ios::binary) << big;
  m::ServerOptions o;
  o.chunk = 4096;
  m::MountServer s(d.root(), o);
  m::Reply r = s.handle(req(m::Cmd::kOpen, std::string("rb\0/big.bin", 11)));
  BOOST_TEST((r.flags & m::kEof) == 0);
  const auto fd = static_cast<std::uint8_t>(r.payload[0]);
  BOOST_TEST(fd == 0);
  BOOST_TEST(r.payload.substr(5) == big.substr(0, 4096));
  r = s.handle(req(m::Cmd::kRead, pos_count(fd, 8000, 4096)));
  BOOST_TEST(r.payload == big.substr(8000));
  BOOST_TEST((r.flags & m::kEof) != 0);
  r = s.handle(req(m::Cmd::kRead, pos_count(fd, 4096, 100)));  // a seek back is free
  BOOST_TEST(r.payload == big.substr(4096, 100));
  BOOST_TEST((r.flags & m::kEof) == 0);
  BOOST_TEST(s.handle(req(m::Cmd::kClose, std::string(1, static_cast<char>(fd)))).status == 0);
  BOOST_TEST(s.handle(req(m::Cmd::kClose, std::string(1, static_cast<char>(fd)))).status == EBADF);
  BOOST_TEST(s.handle(req(m::Cmd::kRead, pos_count(fd, 0, 10))).status == EBADF);
}

BOOST_AUTO_TEST_CASE(read_only_refuses_every_change) {
  Dir d;
  m::MountServer s(d.root(), {});
  for (const char* mode : {"w", "wb", "a", "r+", "x", "w+b"}) {
    BOOST_TEST(s.handle(req(m::Cmd::kOpen, std::string(mode) + '\0' + "/new.txt")).status == EROFS);
  }
  BOOST_TEST(s.handle(req(m::Cmd::kMkdir, "/newdir")).status == EROFS);
  BOOST_TEST(s.handle(req(m::Cmd::kRemove, std::string("\0/small.py", 10))).status == EROFS);
  BOOST_TEST(s.handle(req(m::Cmd::kRename, std::string("/small.py\0/x.py", 15))).status == EROFS);
  BOOST_TEST(s.handle(req(m::Cmd::kWrite, std::string(5, '\0') + "x")).status == EROFS);
  BOOST_TEST(fs::exists(d.root() / "small.py"));
  BOOST_TEST(!fs::exists(d.root() / "new.txt"));
}

BOOST_AUTO_TEST_CASE(writable_changes_land_on_the_host) {
  Dir d;
  m::ServerOptions o;
  o.writable = true;
  m::MountServer s(d.root(), o);
  m::Reply r = s.handle(req(m::Cmd::kOpen, std::string("wb\0/out.bin", 11)));
  BOOST_TEST(r.status == 0);
  const auto fd = static_cast<char>(r.payload[0]);
  std::string all(256, '\0');
  for (int i = 0; i < 256; ++i) all[static_cast<std::size_t>(i)] = static_cast<char>(i);
  std::string w(1, fd);
  m::put_u32(w, 0);
  BOOST_TEST(s.handle(req(m::Cmd::kWrite, w + all)).status == 0);
  std::string w2(1, fd);
  m::put_u32(w2, 256);
  BOOST_TEST(s.handle(req(m::Cmd::kWrite, w2 + all)).status == 0);
  BOOST_TEST(s.handle(req(m::Cmd::kClose, std::string(1, fd))).status == 0);
  BOOST_TEST(slurp(d.root() / "out.bin") == all + all);
  BOOST_TEST(s.handle(req(m::Cmd::kMkdir, "/sub")).status == 0);
  BOOST_TEST(s.handle(req(m::Cmd::kMkdir, "/sub")).status == EEXIST);
  BOOST_TEST(s.handle(req(m::Cmd::kRename, std::string("/out.bin\0/sub/o.bin", 19))).status == 0);
  BOOST_TEST(slurp(d.root() / "sub/o.bin") == all + all);
  BOOST_TEST(s.handle(req(m::Cmd::kRemove, std::string("\1/sub", 5))).status == ENOTEMPTY);
  BOOST_TEST(s.handle(req(m::Cmd::kRemove, std::string("\0/sub/o.bin", 11))).status == 0);
  BOOST_TEST(s.handle(req(m::Cmd::kRemove, std::string("\1/sub", 5))).status == 0);
  BOOST_TEST(s.handle(req(m::Cmd::kRemove, std::string("\1/", 2))).status == EACCES);
  // Nothing outside is reachable for writing either.
  BOOST_TEST(s.handle(req(m::Cmd::kOpen, std::string("w\0/../outside.txt", 17))).status == EACCES);
  BOOST_TEST(s.handle(req(m::Cmd::kRename, std::string("/small.py\0/../x.py", 18))).status ==
             EACCES);
  BOOST_TEST(slurp(d.top / "outside.txt") == "secret");
}

BOOST_AUTO_TEST_CASE(fd_space_ends_with_emfile) {
  Dir d;
  std::ofstream(d.root() / "big.bin") << std::string(9000, 'b');
  m::MountServer s(d.root(), {});
  for (int i = 0; i < 127; ++i) {
    BOOST_TEST_REQUIRE(s.handle(req(m::Cmd::kOpen, std::string("rb\0/big.bin", 11))).status == 0);
  }
  BOOST_TEST(s.handle(req(m::Cmd::kOpen, std::string("rb\0/big.bin", 11))).status == EMFILE);
  BOOST_TEST(s.open_files() == 127u);
  s.close_all();
  BOOST_TEST(s.open_files() == 0u);
}

BOOST_AUTO_TEST_CASE(malformed_and_unknown_requests_get_errors) {
  Dir d;
  m::MountServer s(d.root(), {});
  BOOST_TEST(s.handle(req(m::Cmd::kOpen, "no separator")).status == EINVAL);
  BOOST_TEST(s.handle(req(m::Cmd::kOpen, std::string("rq\0/small.py", 12))).status == EINVAL);
  BOOST_TEST(s.handle(req(m::Cmd::kRead, "short")).status == EINVAL);
  BOOST_TEST(s.handle(req(m::Cmd::kClose, "")).status == EINVAL);
  BOOST_TEST(s.handle({99, 0, "x"}).status == ENOSYS);
  BOOST_TEST(s.handle(req(m::Cmd::kOpen, std::string("r\0/pkg", 6))).status == EISDIR);
}

BOOST_AUTO_TEST_CASE(dismissed_mounts_answer_without_touching_anything) {
  BOOST_TEST(m::MountServer::dismiss(req(m::Cmd::kStat, "/x")).status == ENOENT);
  BOOST_TEST(m::MountServer::dismiss(req(m::Cmd::kMkdir, "/x")).status == EROFS);
  BOOST_TEST(m::MountServer::dismiss(req(m::Cmd::kRead, pos_count(0, 0, 1))).status == EBADF);
}

BOOST_AUTO_TEST_SUITE_END()
