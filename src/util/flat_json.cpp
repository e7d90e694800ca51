#include "util/flat_json.hpp"

#include <cstdio>

#include "util/error.hpp"

namespace quintet {

std::string json_quote(std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out + "\"";
}

FlatJsonWriter& FlatJsonWriter::add_raw(const std::string& key, const std::string& json) {
    body_ += (body_.empty() ? "  " : ",\n  ") + json_quote(key) + ": " + json;
    return *this;
}
FlatJsonWriter& FlatJsonWriter::append(const FlatJsonWriter& other) {
    if (!other.body_.empty()) body_ += (body_.empty() ? "" : ",\n") + other.body_;
    return *this;
}
FlatJsonWriter& FlatJsonWriter::add(const std::string& key, const std::string& value) {
    return add_raw(key, json_quote(value));
}
FlatJsonWriter& FlatJsonWriter::add(const std::string& key, double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.10g", value);
    return add_raw(key, buf);
}
FlatJsonWriter& FlatJsonWriter::add(const std::string& key, long long value) { return add_raw(key, std::to_string(value)); }
FlatJsonWriter& FlatJsonWriter::add(const std::string& key, bool value) { return add_raw(key, value ? "true" : "false"); }
std::string FlatJsonWriter::str() const { return "{\n" + body_ + "\n}\n"; }

namespace {

struct Parser {
    std::string_view t;
    const std::string& file;
    std::size_t i = 0;

    [[noreturn]] void fail(const std::string& what) { throw FormatError(file, i, what); }
    void ws() {
        while (i < t.size() && (t[i] == ' ' || t[i] == '\n' || t[i] == '\r' || t[i] == '\t')) ++i;
    }
    char peek() {
        ws();
        if (i >= t.size()) fail("unexpected end of JSON");
        return t[i];
    }
    void expect(char c) {
        if (peek() != c) fail(std::string("expected '") + c + "'");
        ++i;
    }
    std::string string() {
        expect('"');
        std::string out;
        while (true) {
            if (i >= t.size()) fail("unterminated string");
            char c = t[i++];
            if (c == '"') return out;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i >= t.size()) fail("unterminated escape");
            char e = t[i++];
            switch (e) {
                case 'n': out += '\n'; break;
                case 't': out += '\t'; break;
                case 'r': out += '\r'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'u': {
                    if (i + 4 > t.size()) fail("short \\u escape");
                    unsigned v = std::stoul(std::string(t.substr(i, 4)), nullptr, 16);
                    i += 4;
                    if (v < 0x80) {
                        out += static_cast<char>(v);
                    } else if (v < 0x800) {
                        out += static_cast<char>(0xC0 | (v >> 6));
                        out += static_cast<char>(0x80 | (v & 0x3F));
                    } else {
                        out += static_cast<char>(0xE0 | (v >> 12));
                        out += static_cast<char>(0x80 | ((v >> 6) & 0x3F));
                        out += static_cast<char>(0x80 | (v & 0x3F));
                    }
                    break;
                }
                default: out += e;
            }
        }
    }
    void skip_nested() {  // skips an array or object, strings included
        int depth = 0;
        do {
            if (i >= t.size()) fail("unterminated nested value");
            char c = t[i];
            if (c == '"') {
                string();
                continue;
            }
            if (c == '[' || c == '{') ++depth;
            if (c == ']' || c == '}') --depth;
            ++i;
        } while (depth > 0);
    }
    std::string scalar() {
        std::size_t start = i;
        while (i < t.size() && t[i] != ',' && t[i] != '}' && t[i] != ' ' && t[i] != '\n' && t[i] != '\r' &&
               t[i] != '\t')
            ++i;
        if (i == start) fail("expected a value");
        return std::string(t.substr(start, i - start));
    }
};

}  // namespace

std::map<std::string, std::string> parse_flat_json(std::string_view text, const std::string& file) {
    Parser p{text, file};
    std::map<std::string, std::string> out;
    p.expect('{');
    if (p.peek() == '}') return out;
    while (true) {
        std::string key = p.string();
        p.expect(':');
        char c = p.peek();
        if (c == '"')
            out[key] = p.string();
        else if (c == '[' || c == '{')
            p.skip_nested();
        else
            out[key] = p.scalar();
        c = p.peek();
        ++p.i;
        if (c == '}') return out;
        if (c != ',') {
            --p.i;
            p.fail("expected ',' or '}'");
        }
    }
}

}  // namespace quintet
