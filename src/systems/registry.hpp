#pragma once
// The one list of systems (registry.cpp). Adding a system: its folder under systems/ and one line there.
#include <memory>
#include <string>
#include <vector>

#include "systems/system.hpp"

namespace quintet {

struct SystemEntry {
    std::string kind;                  // "vae-nn"
    std::vector<std::string> aliases;  // other names `quintet train` accepts ("vae")
    std::unique_ptr<System> (*make)();
};

const std::vector<SystemEntry>& registered_systems();

// The system of a kind or alias; UsageError naming the known kinds otherwise.
std::unique_ptr<System> make_system(const std::string& kind);

}  // namespace quintet
