// SPDX-License-Identifier: MIT
/// \file
/// Layer 2: a serial port (USB-CDC, USB-UART bridge or a pseudo-terminal) as a Conn.
#pragma once

#include <memory>
#include <string>

#include "mpytool/link/conn.hpp"
#include "mpytool/link/ports.hpp"

namespace mpytool {

/// Extra serial settings (the Python mpytool's `**serial_config`).
struct SerialSettings {
  int data_bits = 8;      ///< 5..8
  char parity = 'N';      ///< 'N', 'E' or 'O'
  int stop_bits = 1;      ///< 1 or 2
  bool rtscts = false;    ///< hardware flow control
  bool xonxoff = false;   ///< software flow control
  bool exclusive = true;  ///< TIOCEXCL: refuse a second opener
};

/// A serial port. Opening never toggles DTR/RTS in a way that resets an ESP32; closing a USB-UART
/// port sets both low first. Port type (USB-CDC / USB-UART) comes from sysfs.
class MPYTOOL_CORE_API ConnSerial : public Conn {
 public:
  /// Opens \p port at \p baud. Throws ConnError "cannot open 'P': <reason>".
  explicit ConnSerial(std::string port, int baud = 115200, SerialSettings settings = {});
  ~ConnSerial() override;

  int fd() const override;
  void close() override;
  std::string description() const override;
  std::string type_name() const override;

  /// The port path as given.
  const std::string& port() const noexcept { return port_; }
  /// Baud rate.
  int baud() const noexcept { return baud_; }
  /// Sets the port's baud rate (also ones without a Bxxx constant); kept for reconnect().
  void set_baud(int baud) override;

  /// Sets the DTR line. Throws ConnError if the port is closed.
  void set_dtr(bool on);
  /// Sets the RTS line. Throws ConnError if the port is closed.
  void set_rts(bool on);

  /// Sets DTR and RTS in one call (esptool's `U`).
  void set_dtr_rts(bool dtr, bool rts);

  /// Runs \p seq on DTR/RTS (any serial type: the caller, a board profile, knows the wiring).
  /// With MPYTOOL_MODEM_TRACE=FILE the changes are appended to FILE with their times instead.
  void run_reset_sequence(const ResetSequence& seq) override;

  /// RTS pulse (100 ms) with DTR low: resets an ESP32 through its auto-reset circuit.
  /// Throws ConnError "Hardware reset not supported on USB-CDC" on native USB boards.
  void hard_reset() override;
  /// DTR/RTS sequence into the ESP32 ROM download mode. Same restrictions as hard_reset().
  void reset_to_bootloader() override;
  /// Closes and re-opens the port until it comes back or \p timeout seconds pass. A board that
  /// re-enumerates under another /dev name (USB-CDC after machine.reset()) is found again by its
  /// USB serial number, else its USB location (find_same_port() in ports.hpp).
  void reconnect(double timeout = 10) override;

 private:
  void set_line(int line, bool on);

 public:
 protected:
  bool wait_readable(double timeout) override;
  Bytes read_available() override;
  std::size_t write_some(std::string_view data) override;
  void wait_writable(double timeout) override;

 private:
  void open();
  std::string port_;
  int baud_;
  SerialSettings settings_;
  int fd_ = -1;
  std::string type_;
  PortInfo identity_;  ///< what USB said about the port at the first open
};

}  // namespace mpytool
