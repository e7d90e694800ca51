#include "io/npz/npy.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <limits>

#include "util/error.hpp"

namespace quintet::npy {
namespace {

// Reads the 'descr', 'fortran_order' and 'shape' entries of the header's Python dict literal.
class HeaderParser {
public:
    HeaderParser(std::string_view text, const std::string& file, const std::string& where)
        : s_(text), file_(file), where_(where) {}

    void parse(Array& out) {
        bool have_descr = false, have_shape = false;
        expect('{');
        while (true) {
            skip_space();
            if (peek() == '}') break;
            std::string key = quoted();
            expect(':');
            skip_space();
            if (key == "descr") {
                parse_descr(quoted(), out);
                have_descr = true;
            } else if (key == "fortran_order") {
                if (word() != "False") fail("fortran_order arrays are not supported");
            } else if (key == "shape") {
                out.shape = tuple();
                have_shape = true;
            } else {
                fail("unexpected header key '" + key + "'");
            }
            skip_space();
            if (peek() == ',') { ++pos_; continue; }
            skip_space();
            if (peek() != '}') fail("expected ',' or '}' in header");
        }
        if (!have_descr || !have_shape) fail("header lacks 'descr' or 'shape'");
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw FormatError(file_, where_ + ": npy header: " + what);
    }
    char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
    void skip_space() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
    }
    void expect(char c) {
        skip_space();
        if (peek() != c) fail(std::string("expected '") + c + "'");
        ++pos_;
    }
    std::string quoted() {
        skip_space();
        char q = peek();
        if (q != '\'' && q != '"') fail("expected a quoted string");
        std::size_t end = s_.find(q, pos_ + 1);
        if (end == std::string_view::npos) fail("unterminated string");
        std::string r(s_.substr(pos_ + 1, end - pos_ - 1));
        pos_ = end + 1;
        return r;
    }
    std::string word() {
        std::size_t start = pos_;
        while (pos_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[pos_]))) ++pos_;
        return std::string(s_.substr(start, pos_ - start));
    }
    std::vector<std::int64_t> tuple() {
        expect('(');
        std::vector<std::int64_t> dims;
        while (true) {
            skip_space();
            if (peek() == ')') { ++pos_; break; }
            std::int64_t v = 0;
            bool any = false;
            while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
                if (v > (std::numeric_limits<std::int64_t>::max() - 9) / 10) fail("dimension too large");
                v = v * 10 + (s_[pos_++] - '0');
                any = true;
            }
            if (!any) fail("expected a dimension");
            // numpy 1.x may write a trailing 'L' (Python 2 longs).
            if (peek() == 'L') ++pos_;
            dims.push_back(v);
            if (dims.size() > 32) fail("too many dimensions");
            skip_space();
            if (peek() == ',') { ++pos_; continue; }
            if (peek() != ')') fail("expected ',' or ')' in shape");
        }
        return dims;
    }
    void parse_descr(const std::string& d, Array& out) {
        if (d.size() < 3) fail("unsupported descr '" + d + "'");
        char order = d[0], kind = d[1];
        if (order != '<' && order != '>' && order != '|' && order != '=') fail("unsupported descr '" + d + "'");
        int size = 0;
        for (std::size_t i = 2; i < d.size(); ++i) {
            if (d[i] < '0' || d[i] > '9' || size > 100) fail("unsupported descr '" + d + "'");
            size = size * 10 + (d[i] - '0');
        }
        bool ok = (kind == 'b' && size == 1) || ((kind == 'i' || kind == 'u') && (size == 1 || size == 2 || size == 4 || size == 8)) ||
                  (kind == 'f' && (size == 4 || size == 8));
        if (!ok) fail("unsupported descr '" + d + "'");
        out.kind = kind;
        out.itemsize = size;
        out.big_endian = order == '>';
    }

    std::string_view s_;
    std::size_t pos_ = 0;
    const std::string& file_;
    const std::string& where_;
};

template <typename T>
T load(const char* p, bool big_endian) {
    T v;
    if (!big_endian) {
        std::memcpy(&v, p, sizeof(T));
    } else {
        char tmp[sizeof(T)];
        for (std::size_t i = 0; i < sizeof(T); ++i) tmp[i] = p[sizeof(T) - 1 - i];
        std::memcpy(&v, tmp, sizeof(T));
    }
    return v;
}

template <typename Out, typename Convert>
std::vector<Out> convert_all(const Array& a, Convert conv) {
    std::vector<Out> out(static_cast<std::size_t>(a.count()));
    const char* p = a.data.data();
    for (std::size_t i = 0; i < out.size(); ++i, p += a.itemsize) out[i] = conv(p);
    return out;
}

}  // namespace

std::int64_t Array::count() const {
    std::int64_t n = 1;
    for (auto d : shape) n *= d;  // overflow was ruled out by parse()
    return n;
}

Array parse(std::string_view bytes, const std::string& file, const std::string& where) {
    static constexpr char kMagic[] = "\x93NUMPY";
    if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0)
        throw FormatError(file, where + ": not an .npy array (bad magic)");
    const auto* u = reinterpret_cast<const unsigned char*>(bytes.data());
    int major = u[6];
    std::size_t header_len = 0, prefix = 0;
    if (major == 1) {
        header_len = u[8] | (u[9] << 8);
        prefix = 10;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12) throw FormatError(file, where + ": truncated .npy header");
        header_len = static_cast<std::size_t>(u[8]) | (u[9] << 8) | (u[10] << 16) | (static_cast<std::size_t>(u[11]) << 24);
        prefix = 12;
    } else {
        throw FormatError(file, where + ": unsupported .npy version " + std::to_string(major));
    }
    if (header_len > bytes.size() - prefix) throw FormatError(file, where + ": truncated .npy header");
    Array a;
    HeaderParser(bytes.substr(prefix, header_len), file, where).parse(a);
    std::size_t avail = bytes.size() - prefix - header_len;
    // Bound the element count by the bytes present before multiplying (no overflow, no huge allocation).
    std::uint64_t n = 1;
    bool zero = std::any_of(a.shape.begin(), a.shape.end(), [](std::int64_t d) { return d == 0; });
    if (!zero) {
        for (auto d : a.shape) {
            if (static_cast<std::uint64_t>(d) > avail / a.itemsize / n)
                throw FormatError(file, where + ": array data truncated (shape larger than the member)");
            n *= static_cast<std::uint64_t>(d);
        }
    } else {
        n = 0;
    }
    std::size_t need = static_cast<std::size_t>(n) * a.itemsize;
    if (need > avail) throw FormatError(file, where + ": array data truncated");
    a.data = bytes.substr(prefix + header_len, need);
    return a;
}

std::vector<std::int64_t> to_int64(const Array& a, const std::string& file, const std::string& where) {
    bool be = a.big_endian;
    switch (a.kind) {
    case 'b':
    case 'u':
        switch (a.itemsize) {
        case 1: return convert_all<std::int64_t>(a, [](const char* p) { return std::int64_t(static_cast<unsigned char>(*p)); });
        case 2: return convert_all<std::int64_t>(a, [be](const char* p) { return std::int64_t(load<std::uint16_t>(p, be)); });
        case 4: return convert_all<std::int64_t>(a, [be](const char* p) { return std::int64_t(load<std::uint32_t>(p, be)); });
        case 8: {
            auto v = convert_all<std::int64_t>(a, [be](const char* p) {
                std::uint64_t x = load<std::uint64_t>(p, be);
                return x > std::uint64_t(std::numeric_limits<std::int64_t>::max()) ? std::int64_t(-1) : std::int64_t(x);
            });
            return v;  // values beyond int64 became -1, which every range check rejects
        }
        }
        break;
    case 'i':
        switch (a.itemsize) {
        case 1: return convert_all<std::int64_t>(a, [](const char* p) { return std::int64_t(static_cast<signed char>(*p)); });
        case 2: return convert_all<std::int64_t>(a, [be](const char* p) { return std::int64_t(load<std::int16_t>(p, be)); });
        case 4: return convert_all<std::int64_t>(a, [be](const char* p) { return std::int64_t(load<std::int32_t>(p, be)); });
        case 8: return convert_all<std::int64_t>(a, [be](const char* p) { return load<std::int64_t>(p, be); });
        }
        break;
    }
    throw FormatError(file, where + ": expected an integer or bool array");
}

std::vector<double> to_double(const Array& a, const std::string& file, const std::string& where) {
    bool be = a.big_endian;
    if (a.kind == 'f' && a.itemsize == 8) return convert_all<double>(a, [be](const char* p) { return load<double>(p, be); });
    if (a.kind == 'f' && a.itemsize == 4) return convert_all<double>(a, [be](const char* p) { return double(load<float>(p, be)); });
    auto ints = to_int64(a, file, where);
    return std::vector<double>(ints.begin(), ints.end());
}

std::string write(std::string_view descr, const std::vector<std::int64_t>& shape, std::string_view data) {
    std::string dict = "{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': (";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        dict += std::to_string(shape[i]);
        if (shape.size() == 1 || i + 1 < shape.size()) dict += ",";
        if (i + 1 < shape.size()) dict += " ";
    }
    dict += "), }";
    // NEP 1: magic(6) version(2) HEADER_LEN(2) then the dict, space-padded and ending in '\n',
    // so that the total header is a multiple of 64 bytes (numpy >= 1.17 aligns to 64).
    std::size_t total = 10 + dict.size() + 1;
    std::size_t padded = (total + 63) / 64 * 64;
    dict.append(padded - total, ' ');
    dict += '\n';
    std::string out = "\x93NUMPY";
    out += '\x01';
    out += '\x00';
    std::size_t len = dict.size();
    out += static_cast<char>(len & 0xff);
    out += static_cast<char>((len >> 8) & 0xff);
    out += dict;
    out.append(data);
    return out;
}

}  // namespace quintet::npy
