// SPDX-License-Identifier: MIT
// The fs plugin: every file command of the Python mpytool and mpremote's touch/sha256sum/df, over
// the libmpytool-fs library (mpytool/fs/paths.hpp) over the files SDK library
// (mpytool/files/files.hpp).
#include "commands.hpp"
#include "mpytool/plugin/plugin.hpp"
#include "mpytool/transfer/options.hpp"

namespace mpytool::fs {
namespace {

class FsPlugin : public Plugin {
 public:
  PluginInfo info() const override {
    return {"fs",
            "Files: ls, tree, cat, cp, mv, rm, mkdir, pwd, cd, path, edit, touch, sha256sum, df, "
            "sync, watch",
            {"fs"}};
  }
  void register_commands(CommandRegistry& registry) override {
    // The Python mpytool's global options of the file commands: `mpytool -e '*.pyc' -f cp ...`.
    using K = OptionSpec::Kind;
    registry.add_global_option({"exclude",
                                'e',
                                K::kMulti,
                                "EXCLUDE",
                                "exclude files matching the pattern (repeatable)",
                                {},
                                {}});
    registry.add_global_option({"force", 'f', K::kFlag, "", "copy even unchanged files", {}, {}});
    for (auto& o : transfer_global_options()) registry.add_global_option(std::move(o));
    registry.add(make_ls_command());
    registry.add(make_tree_command());
    registry.add(make_cat_command());
    registry.add(make_cp_command());
    registry.add(make_mv_command());
    registry.add(make_rm_command());
    registry.add(make_mkdir_command());
    registry.add(make_pwd_command());
    registry.add(make_cd_command());
    registry.add(make_path_command());
    registry.add(make_edit_command());
    registry.add(make_touch_command());
    registry.add(make_sha256sum_command());
    registry.add(make_df_command());
    registry.add(make_sync_command());
    registry.add(make_watch_command());
    registry.add(make_paths_command());
  }
};

}  // namespace
}  // namespace mpytool::fs

MPYTOOL_PLUGIN(mpytool::fs::FsPlugin, "fs", "0.1.0")
