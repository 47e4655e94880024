#include "app/args.h"
#include "app/commands.h"

#include "core/formats/error.h"

#include <cstdio>
#include <functional>
#include <iostream>
#include <map>

namespace attnviz::app {

namespace {

struct Command {
    std::function<int(const CommandArgs&)> run;
    const char* summary;
};

const std::map<std::string, Command>& commands()
{
    static const std::map<std::string, Command> table{
        {"convert", {cmdConvert, "convert MODEL OUT.{json,cbor} [--float32] [--title T] [--examples FILE]   rewrite a model file"}},
        {"attend", {cmdAttend, "attend EXAMPLE [--score ID] [--json]   the attention steps of an example"}},
        {"export", {cmdExport, "export EXAMPLE|MODEL [--input \"…\"] -o FILE.{png,jpg,svg,pdf,gif} [--width W --height H --dpi D]   heatmap picture or animated GIF"}},
        {"translate", {cmdTranslate, "translate MODEL \"sentence\"|--file FILE [--beam K] [--precision float32|float64] [--json]   decode with a model"}},
        {"train", {cmdTrain, "train --task dates|reverse|file:PATH --arch PRESET -o MODEL [--epochs N --seed S --hidden H …]   train a model"}},
    };
    return table;
}

void printHelp()
{
    std::cout << "AttnViz — watch attention in neural machine translation, step by step.\n\n"
                 "usage: attnviz                 open the window on the built-in example\n"
                 "       attnviz FILE            open the window on an example or model file\n";
    for (const auto& [name, cmd] : commands())
        std::cout << "       attnviz " << cmd.summary << "\n";
    std::cout << "\nExit status: 0 success, 2 bad input (the message is on stderr).\n";
}

} // namespace

int runCommand(int argc, char** argv)
{
    if (argc < 2)
        return -1;
    const std::string word = argv[1];
    if (word == "--help" || word == "-h" || word == "help") {
        printHelp();
        return 0;
    }
    auto it = commands().find(word);
    if (it == commands().end())
        return -1;
    CommandArgs rest(argv + 2, argv + argc);
    try {
        return it->second.run(rest);
    } catch (const UsageError& e) {
        std::cerr << "attnviz " << word << ": " << e.what() << "\n";
    } catch (const InputError& e) {
        std::cerr << "attnviz " << word << ": " << e.what() << "\n";
    } catch (const ShapeError& e) {
        std::cerr << "attnviz " << word << ": " << e.what() << "\n";
    } catch (const std::bad_alloc&) {
        std::cerr << "attnviz " << word << ": out of memory (the input is too large)\n";
    } catch (const std::exception& e) {
        std::cerr << "attnviz " << word << ": " << e.what() << "\n";
    }
    return 2;
}

} // namespace attnviz::app
