// SPDX-License-Identifier: MIT
/// \file
/// Factories of the device plugin's commands, one per file in commands/.
#pragma once

#include <memory>

#include "mpytool/plugin/command.hpp"

namespace mpytool::device {

std::unique_ptr<Command> make_exec_command();
std::unique_ptr<Command> make_eval_command();
std::unique_ptr<Command> make_run_command();
std::unique_ptr<Command> make_info_command();
std::unique_ptr<Command> make_stop_command();
std::unique_ptr<Command> make_reset_command();
std::unique_ptr<Command> make_sleep_command();
std::unique_ptr<Command> make_rtc_command();
std::unique_ptr<Command> make_expect_command();
std::unique_ptr<Command> make_speedtest_command();
std::unique_ptr<Command> make_ports_command();
std::unique_ptr<Command> make_monitor_command();
std::unique_ptr<Command> make_repl_command();

}  // namespace mpytool::device
