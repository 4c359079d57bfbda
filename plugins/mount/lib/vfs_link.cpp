// SPDX-License-Identifier: MIT
#include "mpytool/mount/vfs_link.hpp"

#include "mpytool/base/error.hpp"
#include "mpytool/base/log.hpp"

namespace mpytool::mount {

std::optional<Bytes> VfsLink::feed(std::string_view data) {
  Bytes acc(data);
  for (;;) {
    Parsed p = parse_request(acc);
    if (p.state == Parsed::State::kNeedMore) {
      try {
        acc += conn_.read_bytes(p.need - acc.size(), acc.size() < 2 ? kMagicWait : kBodyWait);
      } catch (const Timeout&) {
        if (acc.size() >= kRequestHeader) logger().debug("mount: incomplete request dropped");
        ++stats_.declined;
        return acc;  // ordinary output after all; what was read meanwhile follows it
      }
      continue;
    }
    if (p.state == Parsed::State::kNotRequest) {
      if (acc.size() >= kRequestHeader) logger().debug("mount: frame with a bad CRC ignored");
      ++stats_.declined;
      return acc;
    }
    if (p.state == Parsed::State::kDamaged) {
      logger().debug("mount: a request with a bad CRC refused");
      Reply refused;
      refused.status = kDamagedStatus;
      conn_.write(encode_reply(refused, p.request.seq));
      ++stats_.declined;
      return acc.substr(p.size);
    }
    const Reply reply = serve_(p.request);
    const Bytes out = encode_reply(reply, p.request.seq);
    ++stats_.requests;
    stats_.bytes_in += p.size;
    stats_.bytes_out += out.size();
    if (reply.flags & kDeflated) ++stats_.compressed;
    conn_.write(out);
    return acc.substr(p.size);
  }
}

}  // namespace mpytool::mount
