// SPDX-License-Identifier: MIT
#include "global_options.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "cli/suggest.hpp"
#include "mpytool/base/error.hpp"
#include "mpytool/base/seconds.hpp"
#include "mpytool/boards/inventory.hpp"
#include "mpytool/profile/board_profile.hpp"

namespace mpytool::cli {

namespace po = boost::program_options;

const std::vector<GlobalOptionDoc>& global_option_docs() {
  static const std::vector<GlobalOptionDoc> docs = {
      {"help", 'h', "", "show this help message and exit"},
      {"version", 'V', "", "show the version and exit"},
      {"port", 'p', "PORT",
       "serial port (a path, id:SERIAL, loc:USB-PATH, uid:HEX or @NAME), or a remote one: "
       "rfc2217://HOST:PORT[?ign_set_control&timeout=SEC], socket://HOST:PORT (raw TCP, as -a); "
       "auto-detected when neither -p nor -a is given"},
      {"address", 'a', "ADDRESS",
       "network address HOST[:PORT] (default port 23), or the board's WebREPL: "
       "ws://HOST[:PORT] (default port 8266), wss://HOST[:PORT] (TLS, as --ssl)"},
      {"password", 0, "PW",
       "WebREPL password (else MPYTOOL_PASSWORD, the inventory's password:, or a prompt); "
       "never shown, logged or passed on a child's command line"},
      {"ssl", 0, "", "use TLS for the network connection"},
      {"ssl-ca", 0, "FILE", "trust this CA file too (implies --ssl)"},
      {"ssl-no-hostname", 0, "", "verify the certificate but not the host name (implies --ssl)"},
      {"ssl-no-verify", 0, "", "do not verify the certificate at all (implies --ssl)"},
      {"baud", 'b', "BAUD", "serial baud rate (default 115200)"},
      {"debug", 'd', "", "log more: -d info, -dd debug with the serial traffic"},
      {"verbose", 'v', "", "verbose output"},
      {"quiet", 'q', "", "quiet output (wins over -v)"},
      {"plugin-dir", 0, "DIR", "load plugins from DIR first (repeatable)"},
      {"profile", 0, "ID|FILE", "board profile: an id, or a FILE with a '/' or a .yaml suffix"},
      {"profile-dir", 0, "DIR", "look for board profiles in DIR first (repeatable)"},
      {"vboard", 0, "", "start a private virtual board (Node.js) and use it"},
      {"vboard-opt", 0, "ARG", "extra argument for the virtual board (repeatable)"},
      {"no-resume", 0, "",
       "when the board resets during a transfer, fail instead of resuming it once"},
      {"retries", 0, "N",
       "when a TCP link breaks, connect again and run the command again up to N times "
       "(default: once for transfers, never for other commands)"},
      {"timeout", 0, "SEC",
       "give up when the whole run takes longer than SEC s (exit 5); every board command also "
       "takes --timeout SEC for itself"},
  };
  return docs;
}

std::vector<GlobalOptionDoc> plugin_option_docs(const std::vector<OptionSpec>& specs) {
  std::vector<GlobalOptionDoc> docs;
  for (const auto& o : specs) {
    // A value option needs a value name: the parser tells flags from options by it.
    const std::string value = o.value_name.empty() ? std::string("VALUE") : o.value_name;
    docs.push_back({o.long_name, o.short_name,
                    o.kind == OptionSpec::Kind::kFlag ? std::string() : value, o.help});
  }
  return docs;
}

std::vector<OptionSpec> plugin_global_options(const PluginSet& plugins,
                                              const std::function<void(const std::string&)>& warn) {
  std::vector<OptionSpec> out;
  std::vector<std::string> owners;
  for (const auto& r : plugins.records()) {
    if (r.status != PluginStatus::kLoaded) continue;
    for (const auto& o : r.global_options) {
      std::string clash;
      for (const auto& d : global_option_docs()) {
        if (d.long_name == o.long_name || (o.short_name && d.short_name == o.short_name)) {
          clash = "a core option";
        }
      }
      bool same = false;
      for (std::size_t i = 0; i < out.size() && clash.empty(); ++i) {
        const OptionSpec& e = out[i];
        const bool name = e.long_name == o.long_name;
        const bool letter = o.short_name && e.short_name == o.short_name;
        if (name && e.short_name == o.short_name && e.kind == o.kind) {
          same = true;  // declared alike by several plugins (-f of fs and flash): one option
          if (out[i].help.find(o.help) == std::string::npos) out[i].help += "; " + o.help;
          break;
        }
        if (name || letter) clash = fmt::format("the option of plugin '{}'", owners[i]);
      }
      if (same) continue;
      if (!clash.empty()) {
        if (warn) {
          warn(fmt::format("plugin '{}': global option --{} clashes with {}; ignored", r.name,
                           o.long_name, clash));
        }
        continue;
      }
      out.push_back(o);
      owners.push_back(r.name);
    }
  }
  return out;
}

namespace {

/// The options one parse knows: the core's, then the plugins'.
struct Known {
  std::vector<GlobalOptionDoc> docs;
  const std::vector<OptionSpec>& plugin;

  const GlobalOptionDoc* find_long(std::string_view name) const {
    for (const auto& d : docs) {
      if (d.long_name == name) return &d;
    }
    return nullptr;
  }
  const GlobalOptionDoc* find_short(char c) const {
    for (const auto& d : docs) {
      if (d.short_name == c) return &d;
    }
    return nullptr;
  }
  const OptionSpec* plugin_option(std::string_view name) const {
    for (const auto& o : plugin) {
      if (o.long_name == name) return &o;
    }
    return nullptr;
  }
};

/// Number of leading words that are global options (with their values). Sets \p dashdash if
/// the prefix ended with a `--`, which is then not part of the prefix. Unknown options count
/// as flags.
std::size_t global_prefix_length(const Known& known, const std::vector<std::string>& args,
                                 bool& dashdash) {
  std::size_t i = 0;
  dashdash = false;
  while (i < args.size()) {
    const std::string& t = args[i];
    if (t == "--") {
      dashdash = true;
      break;
    }
    if (t.size() < 2 || t[0] != '-') break;
    if (t[1] == '-') {
      std::string name =
          t.substr(2, t.find('=') == std::string::npos ? std::string::npos : t.find('=') - 2);
      const GlobalOptionDoc* d = known.find_long(name);
      bool takes = d && !d->value_name.empty() && t.find('=') == std::string::npos;
      i += takes ? 2 : 1;
      continue;
    }
    std::size_t advance = 1;
    for (std::size_t j = 1; j < t.size(); ++j) {
      const GlobalOptionDoc* d = known.find_short(t[j]);
      if (d && !d->value_name.empty()) {
        if (j + 1 == t.size()) advance = 2;  // value is the next word
        break;                               // otherwise the rest of this word is the value
      }
    }
    i += advance;
  }
  return std::min(i, args.size());
}

po::options_description make_description(const Known& known) {
  po::options_description desc("global options");
  for (const auto& d : known.docs) {
    std::string names = d.long_name;
    if (d.short_name) names += std::string(",") + d.short_name;
    if (d.value_name.empty()) {
      desc.add_options()(names.c_str(), d.help.c_str());
    } else {
      desc.add_options()(names.c_str(), po::value<std::vector<std::string>>(), d.help.c_str());
    }
  }
  return desc;
}

int parse_int(const std::string& option, const std::string& text) {
  int v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) {
    throw UsageError(fmt::format("invalid value '{}' for option '--{}'", text, option));
  }
  return v;
}

}  // namespace

double parse_timeout(const std::string& text) {
  if (const auto v = parse_seconds(text)) return *v;
  throw UsageError(fmt::format("invalid value '{}' for option '--timeout' (seconds > 0)", text));
}

namespace {

std::vector<std::string> global_option_words(const Known& known) {
  std::vector<std::string> words;
  for (const auto& d : known.docs) {
    words.push_back("--" + d.long_name);
  }
  return words;
}

/// TLS options with a serial port: refused rather than ignored.
UsageError tls_on_serial() {
  return UsageError(
      "TLS (--ssl, --ssl-ca, --ssl-no-verify, --ssl-no-hostname) needs a network address (-a), "
      "not a serial port",
      "drop the TLS option, or connect with -a HOST:PORT");
}

}  // namespace

GlobalParse parse_global_options(const std::vector<std::string>& args,
                                 const std::vector<OptionSpec>& plugin_options, bool tolerant) {
  Known known{global_option_docs(), plugin_options};
  for (const auto& d : plugin_option_docs(plugin_options)) known.docs.push_back(d);
  bool dashdash = false;
  const std::size_t n = global_prefix_length(known, args, dashdash);
  std::vector<std::string> prefix(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(n));

  GlobalParse result;
  result.rest.assign(args.begin() + static_cast<std::ptrdiff_t>(n + (dashdash ? 1 : 0)),
                     args.end());

  po::options_description desc = make_description(known);
  po::parsed_options parsed(&desc);
  try {
    po::command_line_parser parser(prefix);
    parser.options(desc).style(po::command_line_style::unix_style ^
                               po::command_line_style::allow_guessing);
    if (tolerant) parser.allow_unregistered();
    parsed = parser.run();
  } catch (const po::unknown_option& e) {
    throw UsageError(e.what(), did_you_mean(e.get_option_name(), global_option_words(known)));
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }

  GlobalOptions& g = result.options;
  bool verbose = false, quiet = false;
  bool ssl = false, ssl_no_hostname = false, ssl_no_verify = false;
  for (const auto& o : parsed.options) {
    if (o.unregistered) continue;
    const std::string& k = o.string_key;
    const std::string value = o.value.empty() ? std::string() : o.value.front();
    if (const OptionSpec* spec = known.plugin_option(k)) {
      if (spec->kind == OptionSpec::Kind::kFlag) {
        g.plugin_options.set_flag(k, g.plugin_options.count(k) + 1);
        continue;
      }
      if (!spec->choices.empty() &&
          std::find(spec->choices.begin(), spec->choices.end(), value) == spec->choices.end()) {
        throw UsageError(fmt::format("invalid value '{}' for --{} ({})", value, k,
                                     fmt::join(spec->choices, ", ")));
      }
      if (spec->check) spec->check(value);
      g.plugin_options.add_value(k, value);
      continue;
    }
    if (k == "help") {
      result.help = true;
    } else if (k == "version") {
      result.version = true;
    } else if (k == "port") {
      g.port = value;
    } else if (k == "address") {
      g.address = value;
    } else if (k == "password") {
      g.password = value;
    } else if (k == "ssl") {
      ssl = true;
    } else if (k == "ssl-ca") {
      g.tls.ca_file = value;
    } else if (k == "ssl-no-hostname") {
      ssl_no_hostname = true;
    } else if (k == "ssl-no-verify") {
      ssl_no_verify = true;
    } else if (k == "baud") {
      g.baud = parse_int(k, value);
      if (g.baud <= 0) throw UsageError(fmt::format("invalid baud rate '{}'", value));
    } else if (k == "debug") {
      ++g.debug;
    } else if (k == "verbose") {
      verbose = true;
    } else if (k == "quiet") {
      quiet = true;
    } else if (k == "no-resume") {
      g.no_resume = true;
    } else if (k == "retries") {
      g.retries = parse_int(k, value);
      if (*g.retries < 0) throw UsageError(fmt::format("invalid retry count '{}'", value));
    } else if (k == "plugin-dir") {
      g.plugin_dirs.push_back(value);
    } else if (k == "profile") {
      g.profile = value;
    } else if (k == "profile-dir") {
      g.profile_dirs.push_back(value);
    } else if (k == "vboard") {
      g.vboard = true;
    } else if (k == "vboard-opt") {
      g.vboard_args.push_back(value);
    } else if (k == "timeout") {
      g.timeout = parse_timeout(value);
    }
  }
  g.verbosity = quiet ? 0 : (verbose ? 2 : 1);
  g.tls.enabled = ssl || !g.tls.ca_file.empty() || ssl_no_hostname || ssl_no_verify;
  if (ssl_no_verify) {
    g.tls.verify = false;
    g.tls.check_hostname = false;
  }
  if (ssl_no_hostname) g.tls.check_hostname = false;

  if (!g.port.empty() && !g.address.empty()) {
    throw UsageError("You can select only serial port or network address");
  }
  if (g.tls.enabled && !g.port.empty() && !g.port.starts_with("@")) throw tls_on_serial();
  if (g.vboard && (!g.port.empty() || !g.address.empty())) {
    throw UsageError("--vboard cannot be combined with -p or -a");
  }
  return result;
}

void resolve_board_name(GlobalOptions& g) {
  if (!g.port.starts_with("@")) return;
  const std::string name = g.port.substr(1);
  const Inventory inv = load_inventory();
  const InventoryBoard* b = inv.find(name);
  if (!b) {
    std::vector<std::string> names;
    for (const auto& x : inv.boards) names.push_back(x.name);
    std::string hint = did_you_mean(name, names);
    if (hint.empty())
      hint = fmt::format("the boards of {} are: {}", inv.path.string(),
                         names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", ")));
    throw UsageError(fmt::format("no board '{}' in the inventory '{}'", name, inv.path.string()),
                     hint);
  }
  g.board_name = name;
  g.port = b->port;
  g.address = b->address;
  g.inventory_password = b->password;
  if (g.tls.enabled && !g.port.empty()) throw tls_on_serial();
  if (g.profile.empty() && !b->profile.empty()) {
    g.profile = b->profile;
    g.profile_from_inventory = true;
    // A profile file named in the inventory is relative to the inventory.
    if (names_profile_file(b->profile) && std::filesystem::path(b->profile).is_relative()) {
      g.profile = (inv.path.parent_path() / b->profile).string();
    }
  }
}

}  // namespace mpytool::cli
