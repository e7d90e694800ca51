#pragma once
// A system's generation knobs as the studio's form sees them: the option tables (systems/options.hpp) turned
// into JSON, and a song's settings (JSON) applied back through the same tables, so the CLI and the studio read
// one description and check values with the same setters.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "systems/system.hpp"

namespace quintet::studio {

// [{"name": "--noise-sd", "type": "number", "help": ..., "default": "0.5", "min": 0, "choices": [...]}, ...]
nlohmann::json knobs_json(const OptionTable& table);

// A song's knobs applied to a system: the shared request (--bars, --seed, --tempo, --prime) and the system's
// own settings. Built on the heap: the tables hold references into it.
struct AppliedKnobs {
    SampleRequest request;
    std::string device = "cpu";
    OptionTable shared;                 // sample_request_options(request, device)
    std::unique_ptr<Settings> settings;  // the system's
};

// The form of a system: the shared sample options without --device (the server chooses it), then the
// system's own.
nlohmann::json generation_form_json(const System& system);

// Checks `knobs` ({"--noise-sd": 0.7, "--style": ["id.mid"], "--seed-random": true, ...}) against the
// system's tables and returns them canonical: every value as the text the CLI would take (a list as an array
// of texts, a flag as true; a false flag is dropped), --bars/--seed/--tempo filled in with their defaults.
// Path values are upload ids, turned into files by `resolve_path` (UsageError for an unknown one).
// UsageError for an unknown knob, a value of the wrong type, out of range or not among the choices.
nlohmann::json canonical_knobs(const System& system, const nlohmann::json& knobs,
                               const std::function<std::filesystem::path(const std::string&)>& resolve_path);

// Applies canonical knobs; UsageError as above.
std::unique_ptr<AppliedKnobs> apply_knobs(const System& system, const nlohmann::json& knobs, const std::string& device,
                                          const std::function<std::filesystem::path(const std::string&)>& resolve_path);

}  // namespace quintet::studio
