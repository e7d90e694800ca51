#pragma once
// A tiny JSON writer and a reader for flat objects ({"key": "string" | number | true | false | null}),
// enough for the run directory's small files without depending on a JSON library (the GPU machine
// has only LibTorch).
#include <map>
#include <string>
#include <string_view>

namespace quintet {

std::string json_quote(std::string_view s);  // "..." with JSON escapes

// Builds {"a": 1, "b": "x"} in insertion order.
class FlatJsonWriter {
public:
    FlatJsonWriter& add(const std::string& key, const std::string& value);  // quoted
    FlatJsonWriter& add(const std::string& key, const char* value) { return add(key, std::string(value)); }
    FlatJsonWriter& add(const std::string& key, double value);
    FlatJsonWriter& add(const std::string& key, long long value);
    FlatJsonWriter& add(const std::string& key, int value) { return add(key, static_cast<long long>(value)); }
    FlatJsonWriter& add(const std::string& key, bool value);
    FlatJsonWriter& add_raw(const std::string& key, const std::string& json);  // a nested value as is
    FlatJsonWriter& append(const FlatJsonWriter& other);  // other's keys after these
    std::string str() const;  // pretty, one key per line, trailing newline

private:
    std::string body_;
};

// Parses a flat object; strings are unescaped, numbers/literals kept as their text. Nested values are
// skipped. Throws FormatError(file, offset, ...) on malformed text.
std::map<std::string, std::string> parse_flat_json(std::string_view text, const std::string& file);

}  // namespace quintet
