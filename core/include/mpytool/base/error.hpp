// SPDX-License-Identifier: MIT
/// \file
/// The one error hierarchy of mpytool. Every error thrown by the core, by plugins and by the
/// app derives from MpyError; the app catches them in one place and maps each class to an exit
/// code (see ExitCode and docs/exit-codes.md). Messages are lower-case, without a final period,
/// and quote their subject: "cannot open '/dev/ttyACM0': permission denied".
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include "mpytool/base/export.hpp"

namespace mpytool {

/// Process exit codes, documented in docs/exit-codes.md. Each error class names its code
/// (MpyError::exit_code()); the app's one catch site (apps/mpytool/cli.cpp) exits with it.
enum class ExitCode : int {
  kOk = 0,
  kError = 1,         ///< generic MpyError (and a command's own "failed" result)
  kUsage = 2,         ///< UsageError: bad options, unknown command
  kConnection = 3,    ///< ConnError: cannot open / lost the link
  kDevice = 4,        ///< CmdError and PathNotFound: the board raised an exception
  kTimeout = 5,       ///< Timeout: the board did not answer in time
  kPlugin = 6,        ///< PluginError, CapabilityError
  kRollback = 7,      ///< RollbackError: after an update the board came back on the old app
  kPartial = 8,       ///< several boards (fleet): some failed, the others succeeded
  kInterrupted = 130  ///< Ctrl-C
};

/// Base of every mpytool error. what() is the user-facing message; hint() an optional second
/// line ("hint: add yourself to the 'dialout' group").
class MPYTOOL_CORE_API MpyError : public std::runtime_error {
 public:
  explicit MpyError(const std::string& message, std::string hint = {});
  ~MpyError() override;
  /// Optional hint printed after the message; empty when none.
  const std::string& hint() const noexcept { return hint_; }
  /// Exit code for this class of error.
  virtual ExitCode exit_code() const noexcept { return ExitCode::kError; }

 private:
  std::string hint_;
};

/// Bad command line: unknown command or option, missing argument (the Python mpytool's
/// ParamsError).
class MPYTOOL_CORE_API UsageError : public MpyError {
 public:
  using MpyError::MpyError;
  ~UsageError() override;
  ExitCode exit_code() const noexcept override { return ExitCode::kUsage; }
};
/// The Python mpytool's name for UsageError.
using ParamsError = UsageError;

/// The link to the board cannot be opened, was lost, or cannot do what was asked.
class MPYTOOL_CORE_API ConnError : public MpyError {
 public:
  using MpyError::MpyError;
  ~ConnError() override;
  ExitCode exit_code() const noexcept override { return ExitCode::kConnection; }
};

/// The link broke (a TCP peer closed or reset it, a serial device vanished): the board may be
/// fine; a new connection may carry on (--retries).
class MPYTOOL_CORE_API ConnLost : public ConnError {
 public:
  using ConnError::ConnError;
  ~ConnLost() override;
};

/// The board stayed silent longer than allowed. Derives from ConnError as in the Python mpytool.
class MPYTOOL_CORE_API Timeout : public ConnError {
 public:
  using ConnError::ConnError;
  ~Timeout() override;
  ExitCode exit_code() const noexcept override { return ExitCode::kTimeout; }
};

/// The board rebooted in the middle of a command (brown-out, watchdog, reset button): its boot
/// banner or ROM text came instead of the answer. Whatever ran is gone; the board is back in
/// its friendly REPL. Exit code of the link (3).
class MPYTOOL_CORE_API BoardReset : public ConnError {
 public:
  using ConnError::ConnError;
  ~BoardReset() override;
};

/// The board sent more than mpytool holds for one answer (kMaxAnswer in conn.hpp, 16 MiB)
/// while a read waited for the answer's end: a runaway program, or a peer on the link that is
/// not a MicroPython board. What was held is dropped, the board is sent Ctrl-C and the REPL
/// state is forgotten. "the board's answer exceeded 16 MiB"; exit code of the link (3).
class MPYTOOL_CORE_API AnswerTooLarge : public ConnError {
 public:
  /// \p limit: the bound that was passed, in bytes.
  explicit AnswerTooLarge(std::size_t limit);
  ~AnswerTooLarge() override;
};

/// Code run on the board raised an exception. Carries the command, the output the board printed
/// before failing and the traceback text. what() is the friendly form: "OSError: No such file
/// or directory (errno 2)" for known errnos, otherwise the full command/result/error text.
class MPYTOOL_CORE_API CmdError : public MpyError {
 public:
  CmdError(std::string command, std::string result, std::string error);
  ~CmdError() override;
  ExitCode exit_code() const noexcept override { return ExitCode::kDevice; }
  /// The code that was executed.
  const std::string& command() const noexcept { return command_; }
  /// What the board printed to stdout before the exception.
  const std::string& result() const noexcept { return result_; }
  /// The traceback text exactly as the board printed it.
  const std::string& error() const noexcept { return error_; }
  /// The errno of an `OSError: [Errno N] ...` / `OSError: N` traceback, or 0.
  int errno_value() const noexcept { return errno_; }
  /// The last line of the traceback, e.g. "ZeroDivisionError: divide by zero".
  std::string exception_line() const;

 private:
  std::string command_, result_, error_;
  int errno_ = 0;
};

/// A failure the board reported in a known form (an errno from a file operation), with a
/// one-line message naming the path: "cannot write ':/a.py': No space left on device (errno 28)".
class MPYTOOL_CORE_API DeviceError : public MpyError {
 public:
  DeviceError(const std::string& message, int errno_value = 0);
  ~DeviceError() override;
  /// "cannot <action>: <errno text> (errno N)" for an errno with a known text (errno_text()),
  /// nullopt otherwise. \p action names what failed: "write ':/a.py'".
  static std::optional<DeviceError> from_errno(std::string_view action, int errno_value);
  ExitCode exit_code() const noexcept override { return ExitCode::kDevice; }
  /// The board's errno, 0 if none.
  int errno_value() const noexcept { return errno_; }

 private:
  int errno_ = 0;
};

/// A path on the board does not exist: "Path 'x' was not found".
class MPYTOOL_CORE_API PathNotFound : public MpyError {
 public:
  explicit PathNotFound(const std::string& path, const std::string& kind = "Path");
  ~PathNotFound() override;
  ExitCode exit_code() const noexcept override { return ExitCode::kDevice; }
  /// The board path as given.
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

/// "File 'x' was not found".
class MPYTOOL_CORE_API FileNotFound : public PathNotFound {
 public:
  explicit FileNotFound(const std::string& path);
  ~FileNotFound() override;
};

/// "Dir 'x' was not found".
class MPYTOOL_CORE_API DirNotFound : public PathNotFound {
 public:
  explicit DirNotFound(const std::string& path);
  ~DirNotFound() override;
};

/// A plugin cannot be loaded or failed while registering.
class MPYTOOL_CORE_API PluginError : public MpyError {
 public:
  using MpyError::MpyError;
  ~PluginError() override;
  ExitCode exit_code() const noexcept override { return ExitCode::kPlugin; }
};

/// A command needs a device capability the board does not have.
class MPYTOOL_CORE_API CapabilityError : public MpyError {
 public:
  using MpyError::MpyError;
  ~CapabilityError() override;
  ExitCode exit_code() const noexcept override { return ExitCode::kPlugin; }
};

/// After a firmware update and a reset the board runs the previous app (the bootloader
/// rejected the new one, or it rolled back).
class MPYTOOL_CORE_API RollbackError : public MpyError {
 public:
  using MpyError::MpyError;
  ~RollbackError() override;
  ExitCode exit_code() const noexcept override { return ExitCode::kRollback; }
};

/// The user pressed Ctrl-C.
class MPYTOOL_CORE_API Interrupted : public MpyError {
 public:
  Interrupted();
  ~Interrupted() override;
  ExitCode exit_code() const noexcept override { return ExitCode::kInterrupted; }
};

/// Text for an errno the boards report ("No such file or directory"), or "" if unknown.
MPYTOOL_CORE_API std::string errno_text(int err);

/// The host's reason for errno \p err in the style of our messages: strerror() with a lower-case
/// first letter ("permission denied", "no space left on device", "read-only file system"); an
/// acronym at the start stays as it is. For "cannot write 'x': <reason>".
MPYTOOL_CORE_API std::string host_error_text(int err);
/// The same for a std::error_code (std::filesystem errors): its message() in lower case.
MPYTOOL_CORE_API std::string host_error_text(const std::error_code& ec);

}  // namespace mpytool
