// SPDX-License-Identifier: MIT
// Factories of the fs plugin's commands, one per file in commands/.
#pragma once

#include <memory>

#include "mpytool/plugin/command.hpp"

namespace mpytool::fs {

std::unique_ptr<Command> make_ls_command();
std::unique_ptr<Command> make_tree_command();
std::unique_ptr<Command> make_cat_command();
std::unique_ptr<Command> make_cp_command();
std::unique_ptr<Command> make_mv_command();
std::unique_ptr<Command> make_rm_command();
std::unique_ptr<Command> make_mkdir_command();
std::unique_ptr<Command> make_pwd_command();
std::unique_ptr<Command> make_cd_command();
std::unique_ptr<Command> make_path_command();
std::unique_ptr<Command> make_edit_command();
std::unique_ptr<Command> make_touch_command();
std::unique_ptr<Command> make_sha256sum_command();
std::unique_ptr<Command> make_df_command();
std::unique_ptr<Command> make_sync_command();
std::unique_ptr<Command> make_watch_command();
std::unique_ptr<Command> make_paths_command();  // hidden `_paths` for shell completion

}  // namespace mpytool::fs
