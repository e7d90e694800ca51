#pragma once
// Reads ../shared/data/lpd5/manifest.csv (quoted CSV) into rows keyed by column name.
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace quintet::test {

using CsvRow = std::map<std::string, std::string>;

inline std::vector<std::string> split_csv_line(const std::string& line) {
    std::vector<std::string> cells(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') { cells.back() += '"'; ++i; }
            else if (c == '"') quoted = false;
            else cells.back() += c;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            cells.emplace_back();
        } else if (c != '\r') {
            cells.back() += c;
        }
    }
    return cells;
}

inline std::vector<CsvRow> read_csv(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::string line;
    std::vector<CsvRow> rows;
    if (!std::getline(in, line)) return rows;
    auto header = split_csv_line(line);
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        auto cells = split_csv_line(line);
        CsvRow row;
        for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace quintet::test
