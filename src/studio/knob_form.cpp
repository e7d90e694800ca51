#include "studio/knob_form.hpp"

#include "systems/request_options.hpp"
#include "util/error.hpp"

namespace quintet::studio {

namespace fs = std::filesystem;
using nlohmann::json;

json knobs_json(const OptionTable& table) {
    json out = json::array();
    for (const Option& o : table) {
        json k = {{"name", o.name}, {"type", type_name(o.type)}, {"help", o.help}, {"default", o.default_value}};
        if (!o.aliases.empty()) k["aliases"] = o.aliases;
        if (!o.choices.empty()) k["choices"] = o.choices;
        if (o.min) k["min"] = *o.min;
        if (o.max) k["max"] = *o.max;
        out.push_back(std::move(k));
    }
    return out;
}

namespace {

// The studio does not let a page choose the server's device.
bool hidden_from_studio(const Option& o) { return o.name == "--device"; }

std::unique_ptr<AppliedKnobs> fresh(const System& system, const std::string& device) {
    auto a = std::make_unique<AppliedKnobs>();
    a->device = device;
    a->shared = sample_request_options(a->request, a->device);
    a->settings = system.sample_settings();
    return a;
}

const Option* find_knob(AppliedKnobs& a, const std::string& name) {
    for (const OptionTable* t : {&a.shared, &a.settings->options()})
        for (const Option& o : *t)
            if (o.name == name && !hidden_from_studio(o)) return &o;
    return nullptr;
}

std::string value_text(const std::string& name, const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
    if (v.is_number_float()) return v.dump();  // the shortest text that reads back the same double
    throw UsageError(name + ": expected a number or a text, got " + std::string(v.type_name()));
}

// Sets one knob through the table (choices, then the setter with its parsing and range).
void set_knob(const Option& o, const std::string& text) {
    set_option(OptionTable{o}, o.name, text);
}

}  // namespace

json generation_form_json(const System& system) {
    auto a = fresh(system, "cpu");
    OptionTable visible;
    for (const OptionTable* t : {&a->shared, &a->settings->options()})
        for (const Option& o : *t)
            if (!hidden_from_studio(o)) visible.push_back(o);
    return knobs_json(visible);
}

json canonical_knobs(const System& system, const json& knobs, const std::function<fs::path(const std::string&)>& resolve_path) {
    if (!knobs.is_object()) throw UsageError("knobs: expected an object of option names and values");
    auto a = fresh(system, "cpu");
    json out = json::object();
    for (const auto& [name, value] : knobs.items()) {
        const Option* o = find_knob(*a, name);
        if (!o) throw UsageError("unknown knob " + name + " for system " + system.kind());
        if (o->type == Option::Type::Flag) {
            if (!value.is_boolean()) throw UsageError(name + ": expected true or false");
            if (value.get<bool>()) {
                set_knob(*o, "true");
                out[name] = true;
            }
            continue;
        }
        if (o->type == Option::Type::PathList) {
            if (!value.is_array()) throw UsageError(name + ": expected a list of uploads");
            json list = json::array();
            for (const auto& item : value) {
                if (!item.is_string()) throw UsageError(name + ": expected a list of upload ids");
                set_knob(*o, resolve_path(item.get<std::string>()).string());
                list.push_back(item);
            }
            if (!list.empty()) out[name] = list;
            continue;
        }
        const std::string text = value_text(name, value);
        if (o->type == Option::Type::Path) {
            if (text.empty()) continue;  // no file
            set_knob(*o, resolve_path(text).string());
        } else {
            set_knob(*o, text);
        }
        out[name] = text;
    }
    check_sample_request(a->request);
    // The length, seed and tempo are written down even when left at their defaults: a default may change
    // between versions, the song's settings must not.
    for (const char* name : {"--bars", "--seed", "--tempo"})
        if (!out.contains(name)) out[name] = find_knob(*a, name)->default_value;
    return out;
}

std::unique_ptr<AppliedKnobs> apply_knobs(const System& system, const json& knobs, const std::string& device,
                                          const std::function<fs::path(const std::string&)>& resolve_path) {
    auto a = fresh(system, device);
    for (const auto& [name, value] : knobs.items()) {
        const Option* o = find_knob(*a, name);
        if (!o) throw UsageError("unknown knob " + name + " for system " + system.kind());
        if (value.is_boolean()) {
            if (value.get<bool>()) set_knob(*o, "true");
        } else if (value.is_array()) {
            for (const auto& item : value) set_knob(*o, resolve_path(item.get<std::string>()).string());
        } else if (o->type == Option::Type::Path) {
            set_knob(*o, resolve_path(value.get<std::string>()).string());
        } else {
            set_knob(*o, value_text(name, value));
        }
    }
    check_sample_request(a->request);
    return a;
}

}  // namespace quintet::studio
