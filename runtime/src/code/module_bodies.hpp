// module_bodies — how a module's code runs in processes (private).
//
// A module's gen_server is the generic gen_server loop with callbacks that forward every call to
// the module's current version (module_server.cpp). A module's plain process loops in the version
// it runs until its loop asks for the current one (module_process.cpp). Both publish what they run
// through a code_pin, so the code server knows who runs old code.
#pragma once

#include <memory>

#include "code/module_version.hpp"
#include "otp/gen_server.hpp"
#include "processes/process_control_block.hpp"

namespace otp::detail {

std::shared_ptr<gen_server::behaviour> make_module_server(module_slot& slot);
std::unique_ptr<process_body> make_module_process(module_slot& slot, term args);

}  // namespace otp::detail
