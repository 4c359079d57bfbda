// SPDX-License-Identifier: MIT
#include "mpytool/flash_rp2/flash.hpp"

#include <fmt/format.h>

#include "mpytool/base/error.hpp"
#include "mpytool/base/json.hpp"
#include "mpytool/base/output.hpp"
#include "mpytool/board/mpy.hpp"
#include "mpytool/flash/firmware_image.hpp"
#include "mpytool/repl/py_value.hpp"

namespace mpytool::flash_rp2 {

namespace {

constexpr const char* kDevice = "__import__('rp2').Flash()";

BlockDevice device(const FlashInfo& i) { return {kDevice, i.block_size, i.size()}; }

}  // namespace

FlashInfo flash_info(Mpy& mpy) {
  PyValue v;
  try {
    v = mpy.comm().exec_eval(
        "(lambda f,b:(f.ioctl(4,0),f.ioctl(5,0),f.readblocks(0,b),__import__('ubinascii')"
        ".b2a_base64(b).strip()))(__import__('rp2').Flash(),bytearray(512))",
        10.0);
  } catch (const CmdError&) {
    throw MpyError("Flash info not available (RP2 only)");
  }
  FlashInfo i;
  i.block_count = static_cast<std::size_t>(v[0].as_int());
  i.block_size = static_cast<std::size_t>(v[1].as_int());
  i.fs = detect_filesystem(decode_base64(v[3].as_bytes()));
  return i;
}

std::string format_info(const FlashInfo& i) {
  std::string fs = i.fs.type;
  if (i.fs.cluster)
    fs += fmt::format(" (cluster: {})", format_size(static_cast<double>(i.fs.cluster)));
  if (i.fs.type == "unknown") fs += "  (magic: " + i.fs.magic + ")";
  return fmt::format(
      "Platform:    RP2\nFlash size:  {}\nBlock size:  {} bytes\nBlock count: {}\n"
      "Filesystem:  {}\n",
      format_size(static_cast<double>(i.size())), i.block_size, i.block_count, fs);
}

std::string info_json(const FlashInfo& i) {
  return fmt::format(
      R"({{"platform":"rp2","size":{},"block_size":{},"block_count":{},"filesystem":{},"cluster":{}}})",
      i.size(), i.block_size, i.block_count, json_quote(i.fs.type), i.fs.cluster);
}

std::string flash_read(Mpy& mpy, const FlashProgress& progress) {
  const FlashInfo i = flash_info(mpy);
  FlashTransfer x(mpy, device(i));
  return x.read(i.size(), progress);
}

FlashWriteResult flash_write(Mpy& mpy, std::string_view data, const FlashProgress& progress,
                             std::string_view name) {
  if (is_uf2(data)) {
    throw ImageError(
        fmt::format("{}: a UF2 firmware file; rp2.Flash covers only the filesystem region", name),
        "to flash firmware, hold BOOTSEL while plugging the board in and copy the file to the "
        "RPI-RP2 drive (or: reset --boot)");
  }
  const FlashInfo i = flash_info(mpy);
  if (data.size() > i.size()) {
    throw MpyError(
        fmt::format("Data too large: {} bytes, flash size: {} bytes", data.size(), i.size()));
  }
  FlashTransfer x(mpy, device(i));
  return x.write(data, progress);
}

std::size_t flash_erase(Mpy& mpy, bool full, const FlashProgress& progress) {
  const FlashInfo i = flash_info(mpy);
  const std::size_t blocks = full ? i.block_count : std::min<std::size_t>(2, i.block_count);
  FlashTransfer x(mpy, device(i));
  x.erase(blocks, progress);
  return blocks * i.block_size;
}

}  // namespace mpytool::flash_rp2
