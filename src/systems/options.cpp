#include "systems/options.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <sstream>

#include "util/error.hpp"

namespace quintet {

long long parse_integer(const std::string& name, const std::string& text) {
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno == ERANGE) throw UsageError(name + ": expected an integer, got '" + text + "'");
    return v;
}

double parse_number(const std::string& name, const std::string& text) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(v)) throw UsageError(name + ": expected a number, got '" + text + "'");
    return v;
}

namespace {
std::string shown(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}
Option make(std::string name, std::string help, std::string default_value, std::function<void(const std::string&)> set,
            Option::Type type) {
    Option o;
    o.type = type;
    o.name = std::move(name);
    o.help = std::move(help);
    o.default_value = std::move(default_value);
    o.set = std::move(set);
    return o;
}
}  // namespace

Option int_option(std::string name, std::string help, int& target) {
    auto n = name;
    return make(std::move(name), std::move(help), std::to_string(target), [n, &target](const std::string& v) {
        const long long x = parse_integer(n, v);
        if (x < -2147483647LL || x > 2147483647LL) throw UsageError(n + ": " + v + " is out of range");
        target = int(x);
    }, Option::Type::Integer);
}

Option int64_option(std::string name, std::string help, std::int64_t& target) {
    auto n = name;
    return make(std::move(name), std::move(help), std::to_string(target),
                [n, &target](const std::string& v) { target = parse_integer(n, v); }, Option::Type::Integer);
}

Option seed_option(std::string name, std::string help, std::uint64_t& target) {
    auto n = name;
    return make(std::move(name), std::move(help), std::to_string(target), [n, &target](const std::string& v) {
        const long long x = parse_integer(n, v);
        if (x < 0) throw UsageError(n + ": expected a non-negative integer, got '" + v + "'");
        target = std::uint64_t(x);
    }, Option::Type::Integer);
}

Option double_option(std::string name, std::string help, double& target) {
    auto n = name;
    return make(std::move(name), std::move(help), shown(target),
                [n, &target](const std::string& v) { target = parse_number(n, v); }, Option::Type::Number);
}

Option text_option(std::string name, std::string help, std::string& target, std::vector<std::string> choices) {
    Option o = make(std::move(name), std::move(help), target, [&target](const std::string& v) { target = v; }, Option::Type::Text);
    o.choices = std::move(choices);
    return o;
}

Option path_option(std::string name, std::string help, std::filesystem::path& target) {
    return make(std::move(name), std::move(help), target.string(), [&target](const std::string& v) { target = v; },
                Option::Type::Path);
}

Option flag_option(std::string name, std::string help, bool& target) {
    Option o = make(std::move(name), std::move(help), "", [&target](const std::string&) { target = true; }, Option::Type::Flag);
    o.kind = Option::Kind::Flag;
    return o;
}

Option path_list_option(std::string name, std::string help, std::vector<std::filesystem::path>& target) {
    Option o = make(std::move(name), std::move(help), "", [&target](const std::string& v) { target.emplace_back(v); },
                    Option::Type::PathList);
    o.kind = Option::Kind::List;
    return o;
}

Option ranged(Option o, std::optional<double> min, std::optional<double> max) {
    o.min = min;
    o.max = max;
    auto inner = std::move(o.set);
    // The option's own parser first (its message names the expected type); the value it stored is of no use
    // when the range check throws (the command fails, the studio drops the settings object).
    o.set = [name = o.name, min, max, inner](const std::string& v) {
        inner(v);
        const double x = parse_number(name, v);
        if ((min && x < *min) || (max && x > *max)) {
            std::string range = min && max ? "between " + shown(*min) + " and " + shown(*max)
                                : min     ? "at least " + shown(*min)
                                          : "at most " + shown(*max);
            throw UsageError(name + " must be " + range + ", got " + v);
        }
        inner(v);
    };
    return o;
}

std::string type_name(Option::Type type) {
    switch (type) {
        case Option::Type::Integer: return "integer";
        case Option::Type::Number: return "number";
        case Option::Type::Text: return "text";
        case Option::Type::Path: return "path";
        case Option::Type::Flag: return "flag";
        case Option::Type::PathList: return "paths";
    }
    return "text";
}

const Option* find_option(const OptionTable& table, const std::string& name) {
    for (const auto& o : table)
        if (o.name == name || std::find(o.aliases.begin(), o.aliases.end(), name) != o.aliases.end()) return &o;
    return nullptr;
}

void set_option(const OptionTable& table, const std::string& name, const std::string& value) {
    const Option* o = find_option(table, name);
    if (!o) throw UsageError("unknown option " + name);
    if (!o->choices.empty() && std::find(o->choices.begin(), o->choices.end(), value) == o->choices.end()) {
        std::string list;
        for (const auto& c : o->choices) list += (list.empty() ? "" : ", ") + c;
        throw UsageError(name + " '" + value + "': expected one of " + list);
    }
    o->set(value);
}

}  // namespace quintet
