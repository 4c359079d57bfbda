// SPDX-License-Identifier: MIT
// The error hierarchy: friendly OSError texts in both board formats, the CmdError fallback
// text, path errors, and exit codes.
#include "mpytool/base/error.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

using namespace mpytool;

BOOST_TEST_DONT_PRINT_LOG_VALUE(ExitCode)

namespace {

std::string traceback(const std::string& last) {
  return "Traceback (most recent call last):\r\n  File \"<stdin>\", line 1, in <module>\r\n" +
         last + "\r\n";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(error_test)

BOOST_AUTO_TEST_CASE(oserror_old_form) {
  CmdError e("os.stat('x')", "", traceback("OSError: 2"));
  BOOST_TEST(std::string(e.what()) == "OSError: No such file or directory (errno 2)");
  BOOST_TEST(e.errno_value() == 2);
}

BOOST_AUTO_TEST_CASE(oserror_new_form) {
  CmdError e("os.mkdir('x')", "", traceback("OSError: [Errno 17] EEXIST"));
  BOOST_TEST(std::string(e.what()) == "OSError: File exists (errno 17)");
  BOOST_TEST(e.errno_value() == 17);
  BOOST_TEST(e.exception_line() == "OSError: [Errno 17] EEXIST");
}

BOOST_AUTO_TEST_CASE(every_known_errno) {
  const std::pair<int, const char*> table[] = {
      {2, "No such file or directory"}, {13, "Permission denied"},    {17, "File exists"},
      {19, "No such device"},           {21, "Is a directory"},       {22, "Invalid argument"},
      {28, "No space left on device"},  {30, "Read-only filesystem"}, {110, "Connection timed out"},
      {113, "No route to host"}};
  for (const auto& [err, text] : table) {
    BOOST_TEST(errno_text(err) == text);
    for (const std::string& form :
         {"OSError: " + std::to_string(err), "OSError: [Errno " + std::to_string(err) + "] X"}) {
      CmdError e("c", "", traceback(form));
      BOOST_TEST(std::string(e.what()) ==
                 "OSError: " + std::string(text) + " (errno " + std::to_string(err) + ")");
    }
  }
  BOOST_TEST(errno_text(5).empty());
}

BOOST_AUTO_TEST_CASE(unknown_errno_uses_full_text) {
  CmdError e("f()", "", traceback("OSError: [Errno 5] EIO"));
  BOOST_TEST(e.errno_value() == 5);
  BOOST_TEST(std::string(e.what()).rfind("Command:\n  f()\nError:\n  Traceback", 0) == 0);
}

BOOST_AUTO_TEST_CASE(generic_error_text) {
  CmdError e("print(1)\n1/0", "1\r\n", traceback("ZeroDivisionError: divide by zero"));
  const std::string what = e.what();
  BOOST_TEST(what.rfind("Command:\n  print(1)\n1/0\nResult:\n  1\nError:\n  Traceback", 0) == 0);
  BOOST_TEST(what.find("ZeroDivisionError: divide by zero") != std::string::npos);
  BOOST_TEST(e.errno_value() == 0);
  BOOST_TEST(e.exception_line() == "ZeroDivisionError: divide by zero");
  BOOST_TEST(e.command() == "print(1)\n1/0");
  BOOST_TEST(e.result() == "1\r\n");
  CmdError no_result("x", "", "NameError: x\r\n");
  BOOST_TEST(std::string(no_result.what()) == "Command:\n  x\nError:\n  NameError: x");
  BOOST_TEST(CmdError("x", "", "").exception_line().empty());
}

BOOST_AUTO_TEST_CASE(path_errors) {
  BOOST_TEST(std::string(PathNotFound("a/b").what()) == "Path 'a/b' was not found");
  BOOST_TEST(std::string(FileNotFound("x.py").what()) == "File 'x.py' was not found");
  BOOST_TEST(std::string(DirNotFound("/lib").what()) == "Dir '/lib' was not found");
  BOOST_TEST(DirNotFound("/lib").path() == "/lib");
  try {
    throw FileNotFound("f");
  } catch (const PathNotFound& e) {
    BOOST_TEST(e.exit_code() == ExitCode::kDevice);
  }
}

BOOST_AUTO_TEST_CASE(hierarchy_and_exit_codes) {
  BOOST_TEST(MpyError("x").exit_code() == ExitCode::kError);
  BOOST_TEST(UsageError("x").exit_code() == ExitCode::kUsage);
  BOOST_TEST(ConnError("x").exit_code() == ExitCode::kConnection);
  BOOST_TEST(Timeout("x").exit_code() == ExitCode::kTimeout);
  BOOST_TEST(CmdError("c", "", "e").exit_code() == ExitCode::kDevice);
  BOOST_TEST(PluginError("x").exit_code() == ExitCode::kPlugin);
  BOOST_TEST(CapabilityError("x").exit_code() == ExitCode::kPlugin);
  BOOST_TEST(Interrupted().exit_code() == ExitCode::kInterrupted);
  BOOST_TEST(std::string(Interrupted().what()) == "Interrupted");
  BOOST_CHECK_THROW(throw Timeout("t"), ConnError);
  BOOST_CHECK_THROW(throw DirNotFound("d"), MpyError);
  BOOST_CHECK_THROW(throw ParamsError("p"), UsageError);
  MpyError with_hint("cannot open 'x'", "add yourself to 'dialout'");
  BOOST_TEST(with_hint.hint() == "add yourself to 'dialout'");
  BOOST_TEST(MpyError("m").hint().empty());
  const ConnError& base = Timeout("t");
  BOOST_TEST(base.exit_code() == ExitCode::kTimeout);  // virtual
}

BOOST_AUTO_TEST_SUITE_END()
