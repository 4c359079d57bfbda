// SPDX-License-Identifier: MIT
// `edit [--editor CMD] :file`: downloads a board file into a temporary file, runs the editor on
// it and uploads it back only when it changed (docs/compatibility.md, "Commands", "Terminal, edit,
// speedtest, rtc").
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "command_support.hpp"
#include "commands.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/process/process.hpp"

extern char** environ;

namespace mpytool::fs {
namespace {

/// Splits \p text into words as a POSIX shell does: blanks separate, '...' is literal, "..."
/// keeps \" \\ \$ \` escapes, a backslash outside quotes escapes the next character.
std::vector<std::string> shell_split(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'') {
      const std::size_t end = text.find('\'', i + 1);
      if (end == std::string_view::npos) {
        throw UsageError(fmt::format("edit: unterminated quote in editor command: {}", text));
      }
      word.append(text.substr(i + 1, end - i - 1));
      i = end;
    } else if (c == '"') {
      for (++i;; ++i) {
        if (i >= text.size()) {
          throw UsageError(fmt::format("edit: unterminated quote in editor command: {}", text));
        }
        if (text[i] == '"') break;
        if (text[i] == '\\' && i + 1 < text.size() &&
            std::string_view("\"\\$`\n").find(text[i + 1]) != std::string_view::npos) {
          ++i;
        }
        word += text[i];
      }
    } else if (c == '\\' && i + 1 < text.size()) {
      word += text[++i];
    } else {
      word += c;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

/// The extension of a board path's last component as Python's splitext() gives it: ".py" for
/// "lib/a.py", "" for ".bashrc" or "Makefile".
std::string extension(std::string_view path) {
  const std::string name = remote_basename(path);
  const std::size_t first = name.find_first_not_of('.');
  const std::size_t dot = name.rfind('.');
  if (first == std::string::npos || dot == std::string::npos || dot < first) return "";
  return name.substr(dot);
}

/// A temporary file that is removed when it goes out of scope.
class TempFile {
 public:
  explicit TempFile(const std::string& suffix) {
    const char* dir = std::getenv("TMPDIR");
    path_ = std::string(dir && *dir ? dir : "/tmp") + "/mpytool-edit-XXXXXX" + suffix;
    const int fd = mkstemps(path_.data(), static_cast<int>(suffix.size()));
    if (fd < 0) {
      throw MpyError(fmt::format("cannot create a temporary file: {}", host_error_text(errno)));
    }
    ::close(fd);
  }
  ~TempFile() { ::unlink(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const noexcept { return path_; }

  void write(std::string_view data) const {
    errno = 0;
    std::ofstream f(path_, std::ios::binary | std::ios::trunc);
    f.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!f.flush()) {
      throw MpyError(
          fmt::format("cannot write '{}': {}", path_, host_error_text(errno ? errno : EIO)));
    }
  }
  std::string read() const {
    std::ifstream f(path_, std::ios::binary);
    if (!f) throw MpyError(fmt::format("cannot read '{}'", path_));
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  }

 private:
  std::string path_;
};

/// Runs \p argv with the terminal, waits for it and returns its exit code (128 + signal number
/// when a signal ended it).
int run_editor(const std::vector<std::string>& argv) {
  // Found on PATH as posix_spawnp would; started like every child (default SIGINT/SIGPIPE, an
  // empty signal mask), so the editor does not inherit the tool's ignored SIGPIPE.
  const std::filesystem::path exe = find_executable(argv[0]);
  std::vector<std::string> args = argv;
  std::vector<char*> cargs = c_strings(args);
  pid_t pid = 0;
  const int err = exe.empty() ? ENOENT : spawn_process(pid, exe.string(), cargs, environ, {});
  if (err != 0) {
    throw MpyError(fmt::format("cannot run editor '{}': {}", argv[0], std::strerror(err)));
  }
  const int rc = wait_child(pid);
  if (rc < 0) throw MpyError(fmt::format("waiting for the editor: {}", strerror(errno)));
  return rc;
}

class EditCommand : public Command {
 public:
  CommandInfo info() const override {
    CommandInfo i;
    i.name = "edit";
    i.rank = help_rank::kEdit;
    i.summary = "Edit file on device in local editor.";
    i.description =
        "The editor is --editor, else $VISUAL, else $EDITOR (a shell-style command line; the "
        "file name is appended). The file is uploaded only when it changed.";
    i.options.push_back({"editor",
                         0,
                         OptionSpec::Kind::kValue,
                         "CMD",
                         "editor command (default: $VISUAL or $EDITOR)",
                         {}});
    i.positionals.push_back({":file", "device file", PositionalSpec::Arity::kOne});
    i.needs = Needs::kRepl;
    return i;
  }

  int run(CommandContext& ctx, const ParsedArgs& args) override {
    const std::string path = require_remote("edit", args.positionals().front());
    std::string editor = args.value("editor").value_or("");
    for (const char* var : {"VISUAL", "EDITOR"}) {
      const char* v = std::getenv(var);
      if (editor.empty() && v) editor = v;
    }
    const std::vector<std::string> command = shell_split(editor);
    if (command.empty()) {
      throw UsageError("No editor configured. Set $VISUAL or $EDITOR, or use --editor");
    }

    Output& out = ctx.out();
    out.verbose(1, "EDIT: " + path);
    files::Files files(ctx.mpy(), use_transfer_options(ctx));
    std::string original;
    try {
      original = files.get(path);
    } catch (const FileNotFound&) {
      out.verbose(1, "  (new file)");
    }
    const TempFile tmp(extension(path));
    tmp.write(original);

    std::vector<std::string> argv = command;
    argv.push_back(tmp.path());
    out.verbose(2, "  editor: " + editor);
    out.out().flush();
    out.err().flush();
    if (const int code = run_editor(argv); code != 0) {
      throw MpyError(fmt::format("editor exited with code {}, file not uploaded", code));
    }
    const std::string edited = tmp.read();
    if (edited == original) {
      out.verbose(1, "  (no changes)");
      return 0;
    }
    out.verbose(1, fmt::format("  uploading {} bytes...", edited.size()));
    files.put(edited, path);
    out.verbose(1, "  done");
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_edit_command() { return std::make_unique<EditCommand>(); }

}  // namespace mpytool::fs
