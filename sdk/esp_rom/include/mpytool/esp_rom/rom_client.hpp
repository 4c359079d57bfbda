// SPDX-License-Identifier: MIT
/// \file
/// The ESP ROM serial bootloader, without a flasher stub: one request and its response at a
/// time over a Conn (SLIP packets, packet.hpp), entering the bootloader with reset sequences,
/// identifying the chip, compressed flash writes verified by the ROM's MD5, erases.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mpytool/esp_rom/chips.hpp"
#include "mpytool/esp_rom/export.hpp"
#include "mpytool/esp_rom/packet.hpp"
#include "mpytool/esp_rom/slip.hpp"
#include "mpytool/link/conn.hpp"

namespace mpytool::esp_rom {

/// GET_SECURITY_INFO's answer (ESP32-S2 and later ROMs).
struct SecurityInfo {
  std::uint32_t flags = 0;           ///< bit 2: Secure Download Mode
  std::uint8_t flash_crypt_cnt = 0;  ///< flash encryption is on when an odd number of bits are set
  std::array<std::uint8_t, 7> key_purposes{};
  std::optional<std::uint32_t> chip_id;      ///< absent on the ESP32-S2 (12-byte answer)
  std::optional<std::uint32_t> api_version;  ///< likewise
  bool secure_download() const noexcept { return flags & (1u << 2); }
  bool flash_encryption() const noexcept;
};

/// A client of the ROM loader over \p conn (which must outlive it). Every command sends one
/// request and reads packets until the response to that command (skipping up to 100 others);
/// a failed status throws RomError, silence throws Timeout.
class MPYTOOL_ESP_ROM_API RomClient {
 public:
  explicit RomClient(Conn& conn);

  Conn& conn() noexcept { return *conn_; }
  /// The chip talked to (set by connect()); decides FLASH_BEGIN's word count. nullptr: unknown.
  const ChipInfo* chip() const noexcept { return chip_; }
  void set_chip(const ChipInfo* chip) noexcept { chip_ = chip; }
  /// Block size of FLASH_DATA / FLASH_DEFL_DATA: 0x400 for the ROM (0x800 on USB-OTG links).
  std::size_t block_size() const noexcept { return block_size_; }
  void set_block_size(std::size_t size) noexcept { block_size_ = size; }
  /// Bytes written to the link so far (SLIP escapes included).
  std::size_t wire_bytes() const noexcept { return wire_bytes_; }

  /// Sends \p op with \p data and returns its response without checking the status.
  RomResponse transact(RomOp op, std::string_view data, std::uint32_t checksum = 0,
                       double timeout = 3.0);
  /// transact(), then throws RomError when the ROM reports a failure.
  RomResponse command(RomOp op, std::string_view data, std::uint32_t checksum = 0,
                      double timeout = 3.0);
  /// Text the ROM printed outside packets (its banner), since the last call.
  std::string take_text();
  /// Reads the ROM's text (what the link holds, then what comes) until "waiting for download"
  /// or \p quiet seconds without a byte, at most \p limit seconds: the banner after a reset.
  std::string read_banner(double quiet = 0.1, double limit = 1.0);
  /// Drops what the link and the decoder hold (before a reset).
  void discard_input();

  /// One SYNC, then drains the ROM's further replies (it answers about 8 times) until \p drain
  /// seconds pass without one. True when the ROM answered within \p timeout seconds.
  bool sync(double timeout = 0.1, double drain = 0.1);
  /// The stub answers SYNC with value 0, the ROM not (as seen by the last successful sync()).
  bool stub_answered() const noexcept { return stub_; }

  std::uint32_t read_reg(std::uint32_t addr);
  void write_reg(std::uint32_t addr, std::uint32_t value, std::uint32_t mask = 0xFFFFFFFF,
                 std::uint32_t delay_us = 0);
  /// nullopt when the ROM does not know the command (the ESP32's).
  std::optional<SecurityInfo> security_info();
  /// SPI_ATTACH with the default pins (the ROM needs it before any flash command).
  void spi_attach();
  /// SPI_SET_PARAMS: tells the ROM the flash size.
  void spi_set_params(std::uint32_t flash_size);
  /// The JEDEC id of the flash (RDID through the chip's SPI user-command registers); needs
  /// chip() and spi_attach() first.
  std::uint32_t flash_id();

  /// FLASH_BEGIN for \p size bytes at \p offset: the ROM erases the region before it answers
  /// (the timeout allows 2 s per 64 KB block, the flash's worst-case block erase, plus 3 s).
  void flash_begin(std::uint32_t size, std::uint32_t offset);
  /// FLASH_DATA block \p seq (padded with 0xFF to block_size()).
  void flash_data(std::string_view block, std::uint32_t seq);
  /// FLASH_END: \p reboot runs the new firmware (leaving the loader); otherwise it stays.
  void flash_end(bool reboot);
  /// FLASH_DEFL_BEGIN: the ROM erases \p uncompressed_size rounded up to whole blocks at
  /// \p offset (the size a stub would take exactly).
  void flash_defl_begin(std::uint32_t uncompressed_size, std::uint32_t compressed_size,
                        std::uint32_t offset);
  /// FLASH_DEFL_DATA block \p seq of the zlib stream (not padded). The ROM inflates and writes
  /// it before it answers: \p timeout should grow with what the block inflates to.
  void flash_defl_data(std::string_view block, std::uint32_t seq, double timeout = 3.0);
  void flash_defl_end(bool reboot);
  /// The MD5 of \p size bytes of flash at \p addr, as 32 lower-case hex digits (the ROM sends
  /// hex, a stub 16 raw bytes: both are accepted).
  std::string flash_md5(std::uint32_t addr, std::uint32_t size);
  /// CHANGE_BAUDRATE to \p baud, then the link follows (Conn::set_baud), waits 50 ms and drops
  /// what came meanwhile. When the link refuses (ConnError from set_baud) the ROM has already
  /// switched: reset it and connect again at the old rate.
  void change_baud(int baud);

 private:
  std::optional<std::string> read_packet(double timeout);
  std::string begin_words(std::uint32_t size, std::uint32_t blocks, std::uint32_t offset) const;

  Conn* conn_;
  SlipDecoder slip_;
  const ChipInfo* chip_ = nullptr;
  std::size_t block_size_ = 0x400;
  std::size_t wire_bytes_ = 0;
  bool stub_ = false;
};

/// What the ROM tells about the chip.
struct ChipDescription {
  const ChipInfo* chip = nullptr;
  std::string revision;               ///< "v3.0"
  std::vector<std::string> features;  ///< from the chip table
  std::string mac;                    ///< "24:0a:c4:12:34:56"
  std::uint32_t flash_id = 0;         ///< JEDEC id (manufacturer in the low byte)
  std::uint32_t flash_size = 0;       ///< from the id; 0 when unknown
  bool secure_download = false;       ///< Secure Download Mode: only flash commands work
  bool flash_encryption = false;      ///< flash encryption is enabled
};

/// How connect() enters the bootloader.
struct ConnectOptions {
  int attempts_per_sequence = 2;  ///< resets with each sequence
  int syncs_per_attempt = 5;      ///< SYNCs after each reset, 50 ms apart
  double sync_timeout = 0.1;      ///< wait for the first reply to a SYNC
  /// Progress lines for the user ("reset with D0|R1|W0.1|D1|R0|W0.05|D0 (attempt 1/2)").
  std::function<void(std::string_view)> status;
};

/// Enters the ROM loader and identifies the chip: for each of \p sequences in turn and each
/// attempt, runs the reset sequence, reads the ROM's banner and tries to SYNC (no sequences:
/// SYNC only, for a board already in download mode). Then detect_chip(), describe_chip(),
/// SPI_ATTACH and, when the flash size is known, SPI_SET_PARAMS. On failure throws ConnError
/// "cannot enter the ESP ROM bootloader on PORT: no sync reply after the reset sequences
/// A (2x), B (2x)[; the ROM reported boot:0x13 (not download mode)]" with the hint "hold BOOT
/// while pressing EN (RESET), then run the command again".
MPYTOOL_ESP_ROM_API ChipDescription connect(RomClient& rom,
                                            const std::vector<ResetSequence>& sequences,
                                            const ConnectOptions& options = {});

/// The chip behind a synced ROM: GET_SECURITY_INFO's chip id, else the magic register. Sets
/// rom.set_chip() and stores the security info in \p info when given. Throws MpyError
/// "unknown ESP chip (chip id N)", "unknown ESP chip (magic 0x...)" or "the ESP8266 is not
/// supported".
MPYTOOL_ESP_ROM_API const ChipInfo& detect_chip(RomClient& rom,
                                                std::optional<SecurityInfo>* info = nullptr);
/// Revision, features, MAC and security state of rom.chip(), given what security_info()
/// returned (in Secure Download Mode no register can be read: revision and MAC stay empty).
/// The flash id and size are read by connect().
MPYTOOL_ESP_ROM_API ChipDescription describe_chip(RomClient& rom,
                                                  const std::optional<SecurityInfo>& info);

/// How write_flash() sends an image.
struct WriteOptions {
  bool compress = true;  ///< FLASH_DEFL_* (zlib level 9) when it makes the data smaller
  bool verify = true;    ///< SPI_FLASH_MD5 of the region afterwards
};

/// What write_flash() did.
struct WriteReport {
  std::size_t bytes = 0;             ///< image size
  std::size_t compressed_bytes = 0;  ///< sent in blocks (== bytes when not compressed)
  std::size_t wire_bytes = 0;        ///< sent on the link (SLIP frames of every request)
  double seconds = 0;
  std::string md5;  ///< hex MD5 of the image (checked against the flash when verified)
};

/// Progress of a write: image bytes done, of total.
using WriteProgress = std::function<void(std::size_t done, std::size_t total)>;

/// Writes \p image at \p offset (4 KB aligned): the ROM erases the region at BEGIN, then one
/// block per round trip; verified with the ROM's MD5 (VerifyError on a mismatch). Does not
/// end the loader session (flash_end / flash_defl_end with reboot does).
MPYTOOL_ESP_ROM_API WriteReport write_flash(RomClient& rom, std::uint32_t offset,
                                            std::string_view image,
                                            const WriteOptions& options = {},
                                            const WriteProgress& progress = {});

/// Erases \p size bytes at \p offset (both 4 KB aligned) with FLASH_BEGIN (the ROM has no
/// erase command); the loader stays usable.
MPYTOOL_ESP_ROM_API void erase_region(RomClient& rom, std::uint32_t offset, std::uint32_t size);
/// Erases the whole flash of \p flash_size bytes.
MPYTOOL_ESP_ROM_API void erase_all(RomClient& rom, std::uint32_t flash_size);

/// The hex MD5 of \p data (what the ROM's SPI_FLASH_MD5 returns for the same bytes).
MPYTOOL_ESP_ROM_API std::string md5_hex(std::string_view data);

}  // namespace mpytool::esp_rom
