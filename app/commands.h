#pragma once
// Headless commands of SPEC §6. Each returns the exit status: 0 success, 2 bad input (message on
// stderr), and writes only its result to stdout.
#include <string>
#include <vector>

namespace attnviz::app {

// argv without the program name and the command word.
using CommandArgs = std::vector<std::string>;

int cmdAttend(const CommandArgs& args);
int cmdTranslate(const CommandArgs& args);
int cmdExport(const CommandArgs& args);
int cmdTrain(const CommandArgs& args);
int cmdConvert(const CommandArgs& args);

// Dispatches argv[1]; returns -1 when argv[1] is not a command (the caller opens the window).
int runCommand(int argc, char** argv);

} // namespace attnviz::app
