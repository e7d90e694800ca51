#pragma once
// Option tables: the one list of a system's settings that the CLI, the core CLI and the studio are all
// built from. Each option parses its text into the settings it was made for (no torch here).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace quintet {

struct Option {
    enum class Kind { Value, Flag, List };
    // What the value is, for forms that are built from the table (the studio): a number field, a file, ...
    enum class Type { Integer, Number, Text, Path, Flag, PathList };
    std::string name;                  // "--noise-sd"
    std::vector<std::string> aliases;  // other spellings ("--seed-file" for "--prime")
    std::string help;
    std::string default_value;         // as shown in help; "" when there is none
    std::vector<std::string> choices;  // the allowed values; empty: any
    Kind kind = Kind::Value;
    Type type = Type::Text;
    std::optional<double> min, max;    // the allowed range of a number (checked by set; see ranged())
    bool required = false;
    // Parses and stores one value (a flag gets "true"); UsageError naming the option on a bad value.
    std::function<void(const std::string&)> set;
};
using OptionTable = std::vector<Option>;

// Options bound to a variable; the default shown is the variable's value now.
Option int_option(std::string name, std::string help, int& target);
Option int64_option(std::string name, std::string help, std::int64_t& target);
Option seed_option(std::string name, std::string help, std::uint64_t& target);
Option double_option(std::string name, std::string help, double& target);
Option text_option(std::string name, std::string help, std::string& target, std::vector<std::string> choices = {});
Option path_option(std::string name, std::string help, std::filesystem::path& target);
Option flag_option(std::string name, std::string help, bool& target);
Option path_list_option(std::string name, std::string help, std::vector<std::filesystem::path>& target);

// The option with its value range: set refuses a number outside [min, max] with a UsageError naming the
// option and the range, before the option's own setter runs. Either bound may be absent.
Option ranged(Option option, std::optional<double> min, std::optional<double> max);

// "integer", "number", "text", "path", "flag", "paths": how a table's type is spelled in JSON.
std::string type_name(Option::Type type);

// The option called `name` (or one of its aliases); nullptr when there is none.
const Option* find_option(const OptionTable& table, const std::string& name);
// Checks the choices, then sets; UsageError for an unknown option or a value not among the choices.
void set_option(const OptionTable& table, const std::string& name, const std::string& value);

// Strict number parsing for option values: UsageError "NAME: expected ..., got 'TEXT'".
long long parse_integer(const std::string& name, const std::string& text);
double parse_number(const std::string& name, const std::string& text);

}  // namespace quintet
