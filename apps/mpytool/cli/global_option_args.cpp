// SPDX-License-Identifier: MIT
// GlobalOptions back to command-line words, for the mpytool processes fleet and watch start,
// and what plugins see of them (PluginOptions). Parsing is in global_options.cpp.
#include <string>
#include <vector>

#include "cli/global_options.hpp"

namespace mpytool::cli {

std::vector<std::string> board_option_args(const GlobalOptions& g) {
  if (!g.board_name.empty()) return {"-p", "@" + g.board_name};
  if (!g.port.empty()) return {"-p", g.port};
  if (!g.address.empty()) return {"-a", g.address};
  return {};
}

std::vector<std::string> global_option_args(const GlobalOptions& g) {
  std::vector<std::string> a;
  a.insert(a.end(), {"-b", std::to_string(g.baud)});
  for (int i = 0; i < g.debug; ++i) a.push_back("-d");
  if (g.verbosity == 0) a.push_back("-q");
  if (g.verbosity >= 2) a.push_back("-v");
  if (g.tls.enabled) a.push_back("--ssl");
  if (!g.tls.ca_file.empty()) a.insert(a.end(), {"--ssl-ca", g.tls.ca_file});
  if (!g.tls.verify) a.push_back("--ssl-no-verify");
  if (g.tls.verify && !g.tls.check_hostname) a.push_back("--ssl-no-hostname");
  if (g.no_resume) a.push_back("--no-resume");
  if (g.retries) {
    a.push_back("--retries");
    a.push_back(std::to_string(*g.retries));
  }
  for (const auto& d : g.plugin_dirs) a.insert(a.end(), {"--plugin-dir", d});
  if (!g.profile.empty() && !g.profile_from_inventory) a.insert(a.end(), {"--profile", g.profile});
  for (const auto& d : g.profile_dirs) a.insert(a.end(), {"--profile-dir", d});
  // The plugins' global options, by long name (their order among each other does not matter).
  for (const auto& [name, count] : g.plugin_options.flags()) {
    for (int i = 0; i < count; ++i) a.push_back("--" + name);
  }
  for (const auto& [name, values] : g.plugin_options.all_values()) {
    for (const auto& v : values) a.push_back("--" + name + "=" + v);
  }
  return a;
}

PluginOptions plugin_view(const GlobalOptions& g) {
  PluginOptions p;
  p.board_args = board_option_args(g);
  p.option_args = global_option_args(g);
  p.baud = g.baud;
  p.debug = g.debug;
  p.verbosity = g.verbosity;
  p.profile_dirs = g.profile_dirs;
  p.plugin_options = g.plugin_options;
  return p;
}

}  // namespace mpytool::cli
