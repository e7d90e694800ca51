#include "cli/option_table_cli.hpp"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <sstream>

namespace quintet::cli {

void add_option_table(CLI::App& command, const OptionTable& table) {
    for (const Option& o : table) {
        std::string names = o.name;
        for (const auto& a : o.aliases) names += "," + a;
        const Option* opt = &o;  // the table outlives parsing
        CLI::Option* added = nullptr;
        if (o.kind == Option::Kind::Flag) {
            added = command.add_flag_callback(names, [opt] { opt->set("true"); }, o.help);
        } else if (o.kind == Option::Kind::List) {
            added = command.add_option_function<std::vector<std::string>>(
                names, [opt](const std::vector<std::string>& values) { for (const auto& v : values) opt->set(v); }, o.help);
        } else {
            added = command.add_option_function<std::string>(names, [opt](const std::string& v) { opt->set(v); }, o.help);
            if (!o.choices.empty()) added->check(CLI::IsMember(o.choices));
        }
        if (!o.default_value.empty()) added->default_str(o.default_value);
        if (o.min || o.max) {  // the table's range, as the studio's form shows it
            auto bound = [](const std::optional<double>& b) {
                std::ostringstream s;
                if (b) s << *b;
                return s.str();
            };
            added->description(o.help + " [" + bound(o.min) + ".." + bound(o.max) + "]");
        }
        if (o.required) added->required();
    }
}

std::string find_run_argument(int argc, char** argv, const std::string& command_word) {
    bool after = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (!after) {
            after = a == command_word;
            continue;
        }
        std::error_code ec;
        if (!a.empty() && a[0] != '-' && std::filesystem::is_regular_file(std::filesystem::path(a) / "config.json", ec)) return a;
    }
    return "";
}

}  // namespace quintet::cli
