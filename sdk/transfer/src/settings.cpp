// SPDX-License-Identifier: MIT
#include "mpytool/transfer/settings.hpp"

#include <algorithm>
#include <memory>
#include <vector>

#include "mpytool/board/mpy.hpp"

namespace mpytool {

namespace {

/// The transfer library's state of one connection.
class TransferState final : public SessionExtension {
 public:
  static constexpr std::string_view kKey = "mpytool.transfer";

  TransferSettings settings;
  std::vector<std::string> host_paths;
  std::optional<bool> stream_ok;

  // The probe's result goes with the REPL state, as Mpy's own caches do; the settings and the
  // host paths belong to the connection.
  void state_reset(Mpy& /*mpy*/) override { stream_ok.reset(); }
};

TransferState* find(const Mpy& mpy) {
  return static_cast<TransferState*>(mpy.extension(TransferState::kKey));
}

TransferState& state(Mpy& mpy) {
  if (TransferState* s = find(mpy)) return *s;
  return static_cast<TransferState&>(
      mpy.attach(std::string(TransferState::kKey), std::make_unique<TransferState>()));
}

}  // namespace

std::string_view transfer_path_name(TransferPath path) noexcept {
  switch (path) {
    case TransferPath::kStream:
      return "stream";
    case TransferPath::kText:
      return "text";
    case TransferPath::kWebrepl:
      return "webrepl";
    case TransferPath::kAuto:
      break;
  }
  return "auto";
}

std::optional<TransferPath> parse_transfer_path(std::string_view name) {
  if (name == "auto") return TransferPath::kAuto;
  if (name == "stream") return TransferPath::kStream;
  if (name == "text") return TransferPath::kText;
  if (name == "webrepl") return TransferPath::kWebrepl;
  return std::nullopt;
}

TransferSettings& transfer_settings(Mpy& mpy) { return state(mpy).settings; }

void add_host_path(Mpy& mpy, std::string prefix) {
  std::vector<std::string>& paths = state(mpy).host_paths;
  if (std::find(paths.begin(), paths.end(), prefix) == paths.end()) {
    paths.push_back(std::move(prefix));
  }
}

void remove_host_path(Mpy& mpy, std::string_view prefix) {
  if (TransferState* s = find(mpy)) {
    std::erase_if(s->host_paths, [&](const std::string& p) { return p == prefix; });
  }
}

bool is_host_path(const Mpy& mpy, std::string_view path) {
  const TransferState* s = find(mpy);
  if (!s) return false;
  for (const auto& p : s->host_paths) {
    if (path == p || (path.size() > p.size() && path.compare(0, p.size(), p) == 0 &&
                      (p.back() == '/' || path[p.size()] == '/'))) {
      return true;
    }
  }
  return false;
}

std::optional<bool> stream_probe_result(const Mpy& mpy) {
  const TransferState* s = find(mpy);
  return s ? s->stream_ok : std::nullopt;
}

void set_stream_probe_result(Mpy& mpy, bool stream_ok) { state(mpy).stream_ok = stream_ok; }

}  // namespace mpytool
