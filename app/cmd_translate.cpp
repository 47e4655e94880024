// attnviz translate MODEL "sentence" [--beam K] [--json]   (SPEC §6) — being written (issue 3).
#include "app/args.h"
#include "app/commands.h"

namespace attnviz::app {

int cmdTranslate(const CommandArgs&)
{
    throw UsageError("translate: not available yet");
}

} // namespace attnviz::app
