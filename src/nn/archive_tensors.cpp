#include "nn/archive_tensors.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

namespace quintet {

namespace fs = std::filesystem;

namespace {

// Any reason to give up: the caller falls back to torch's loader, which reports real errors.
struct Unsupported {};

std::uint32_t u16(const std::uint8_t* p) { return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8; }
std::uint32_t u32(const std::uint8_t* p) { return u16(p) | u16(p + 2) << 16; }

// --- zip (APPNOTE.TXT sections 4.3.7, 4.3.12, 4.3.16): the stored entries, below 4 GB ---------------------

std::unordered_map<std::string, std::string_view> zip_entries(const std::uint8_t* data, std::size_t size) {
    if (size < 22) throw Unsupported{};
    std::size_t eocd = size - 22;  // the end-of-central-directory record, after an optional comment
    const std::size_t lowest = size > 22 + 65535 ? size - 22 - 65535 : 0;
    while (u32(data + eocd) != 0x06054b50) {
        if (eocd == lowest) throw Unsupported{};
        --eocd;
    }
    const std::uint32_t count = u16(data + eocd + 10), cd_size = u32(data + eocd + 12), cd_offset = u32(data + eocd + 16);
    if (std::size_t(cd_offset) + cd_size > size) throw Unsupported{};
    std::unordered_map<std::string, std::string_view> entries;
    std::size_t at = cd_offset;
    for (std::uint32_t i = 0; i < count; ++i) {
        if (at + 46 > size || u32(data + at) != 0x02014b50) throw Unsupported{};
        const std::uint32_t method = u16(data + at + 10), csize = u32(data + at + 20), usize = u32(data + at + 24);
        const std::uint32_t name_len = u16(data + at + 28), extra_len = u16(data + at + 30), comment_len = u16(data + at + 32);
        const std::uint32_t local = u32(data + at + 42);
        if (at + 46 + name_len > size) throw Unsupported{};
        std::string name(reinterpret_cast<const char*>(data + at + 46), name_len);
        at += 46 + name_len + extra_len + comment_len;
        // Compressed entries (torch deflates the code/ sources) are left out: the tensors are never compressed.
        if (method != 0 || csize != usize || csize == 0xffffffffu || local == 0xffffffffu) continue;
        if (std::size_t(local) + 30 > size || u32(data + local) != 0x04034b50) throw Unsupported{};
        const std::size_t start = std::size_t(local) + 30 + u16(data + local + 26) + u16(data + local + 28);
        if (start + usize > size) throw Unsupported{};
        entries.emplace(std::move(name), std::string_view(reinterpret_cast<const char*>(data + start), usize));
    }
    return entries;
}

// --- pickle (protocol 2, the opcodes torch's archive writer emits) ----------------------------------------

struct Value;
using ValuePtr = std::shared_ptr<Value>;
struct Global {
    std::string module, name;
};
struct Tuple {
    std::vector<ValuePtr> items;
};
struct Dict {
    std::vector<std::pair<ValuePtr, ValuePtr>> items;
};
struct Object {  // an instance of a module class; its attributes arrive with BUILD
    ValuePtr state;
};
struct Storage {  // a persistent id: ('storage', <dtype>Storage, key, location, numel)
    torch::ScalarType dtype;
    std::string key;
    std::int64_t numel;
};
struct TensorRef {
    torch::Tensor tensor;
};
struct Mark {};
struct Value {
    std::variant<std::monostate, bool, std::int64_t, std::string, Global, Tuple, Dict, Object, Storage, TensorRef, Mark> v;
};

template <class T>
T& as(const ValuePtr& p) {
    if (!p) throw Unsupported{};
    auto* t = std::get_if<T>(&p->v);
    if (!t) throw Unsupported{};
    return *t;
}

ValuePtr make(auto&& x) { return std::make_shared<Value>(Value{std::forward<decltype(x)>(x)}); }

torch::ScalarType storage_type(const std::string& name) {
    if (name == "FloatStorage") return torch::kFloat;
    if (name == "LongStorage") return torch::kLong;
    if (name == "DoubleStorage") return torch::kDouble;
    if (name == "IntStorage") return torch::kInt;
    throw Unsupported{};
}

std::vector<std::int64_t> ints(const ValuePtr& tuple) {
    std::vector<std::int64_t> out;
    for (auto& item : as<Tuple>(tuple).items) out.push_back(as<std::int64_t>(item));
    return out;
}

class Unpickler {
public:
    Unpickler(std::string_view data, const std::unordered_map<std::string, std::string_view>& entries, std::string prefix)
        : p_(reinterpret_cast<const std::uint8_t*>(data.data())), end_(p_ + data.size()), entries_(entries),
          prefix_(std::move(prefix)) {}

    ValuePtr run() {
        while (true) {
            const std::uint8_t op = byte();
            switch (op) {
                case 0x80: byte(); break;                                   // PROTO
                case '.': return pop();                                     // STOP
                case '(': marks_.push_back(stack_.size()); break;           // MARK
                case ')': stack_.push_back(make(Tuple{})); break;           // EMPTY_TUPLE
                case '}': stack_.push_back(make(Dict{})); break;            // EMPTY_DICT
                case 'N': stack_.push_back(make(std::monostate{})); break;  // NONE
                case 0x88: stack_.push_back(make(true)); break;             // NEWTRUE
                case 0x89: stack_.push_back(make(false)); break;            // NEWFALSE
                case 'K': stack_.push_back(make(std::int64_t(byte()))); break;  // BININT1
                case 'M': stack_.push_back(make(std::int64_t(u16(take(2))))); break;  // BININT2
                case 'J': stack_.push_back(make(std::int64_t(std::int32_t(u32(take(4)))))); break;  // BININT
                case 'X': {                                                 // BINUNICODE
                    const std::uint32_t n = u32(take(4));
                    stack_.push_back(make(std::string(reinterpret_cast<const char*>(take(n)), n)));
                    break;
                }
                case 0x8c: {  // SHORT_BINUNICODE
                    const std::uint32_t n = byte();
                    stack_.push_back(make(std::string(reinterpret_cast<const char*>(take(n)), n)));
                    break;
                }
                case 'c': {  // GLOBAL "module\nname\n"
                    Global g;
                    g.module = line();
                    g.name = line();
                    stack_.push_back(make(std::move(g)));
                    break;
                }
                case 'q': memo(byte()); break;        // BINPUT
                case 'r': memo(u32(take(4))); break;  // LONG_BINPUT
                case 'h': get(byte()); break;         // BINGET
                case 'j': get(u32(take(4))); break;   // LONG_BINGET
                case 't': stack_.push_back(make(Tuple{pop_to_mark()})); break;  // TUPLE
                case 0x85: tuple_of(1); break;                                   // TUPLE1
                case 0x86: tuple_of(2); break;                                   // TUPLE2
                case 0x87: tuple_of(3); break;                                   // TUPLE3
                case 0x81: {                                                     // NEWOBJ cls args
                    pop();
                    as<Global>(pop());
                    stack_.push_back(make(Object{}));
                    break;
                }
                case 'b': {  // BUILD: the object's attributes
                    auto state = pop();
                    as<Object>(top()).state = state;
                    break;
                }
                case 's': {  // SETITEM
                    auto value = pop(), key = pop();
                    as<Dict>(top()).items.emplace_back(key, value);
                    break;
                }
                case 'u': {  // SETITEMS
                    auto items = pop_to_mark();
                    if (items.size() % 2) throw Unsupported{};
                    auto& dict = as<Dict>(top());
                    for (std::size_t i = 0; i < items.size(); i += 2) dict.items.emplace_back(items[i], items[i + 1]);
                    break;
                }
                case 'Q': stack_.push_back(persistent(pop())); break;  // BINPERSID
                case 'R': {                                           // REDUCE callable args
                    auto args = pop();
                    auto callable = pop();
                    stack_.push_back(reduce(as<Global>(callable), args));
                    break;
                }
                default: throw Unsupported{};
            }
        }
    }

private:
    std::uint8_t byte() { return *take(1); }
    const std::uint8_t* take(std::size_t n) {
        if (std::size_t(end_ - p_) < n) throw Unsupported{};
        const std::uint8_t* at = p_;
        p_ += n;
        return at;
    }
    std::string line() {
        const std::uint8_t* start = p_;
        while (p_ < end_ && *p_ != '\n') ++p_;
        if (p_ == end_) throw Unsupported{};
        std::string s(reinterpret_cast<const char*>(start), std::size_t(p_ - start));
        ++p_;
        return s;
    }
    ValuePtr pop() {
        if (stack_.empty() || (!marks_.empty() && marks_.back() == stack_.size())) throw Unsupported{};
        auto v = stack_.back();
        stack_.pop_back();
        return v;
    }
    ValuePtr& top() {
        if (stack_.empty()) throw Unsupported{};
        return stack_.back();
    }
    std::vector<ValuePtr> pop_to_mark() {
        if (marks_.empty()) throw Unsupported{};
        const std::size_t m = marks_.back();
        marks_.pop_back();
        std::vector<ValuePtr> items(stack_.begin() + std::ptrdiff_t(m), stack_.end());
        stack_.resize(m);
        return items;
    }
    void tuple_of(std::size_t n) {
        if (stack_.size() < n) throw Unsupported{};
        Tuple t;
        t.items.assign(stack_.end() - std::ptrdiff_t(n), stack_.end());
        stack_.resize(stack_.size() - n);
        stack_.push_back(make(std::move(t)));
    }
    void memo(std::uint32_t i) { memo_[i] = top(); }
    void get(std::uint32_t i) {
        auto it = memo_.find(i);
        if (it == memo_.end()) throw Unsupported{};
        stack_.push_back(it->second);
    }

    ValuePtr persistent(const ValuePtr& pid) {
        auto& t = as<Tuple>(pid).items;
        if (t.size() != 5 || as<std::string>(t[0]) != "storage") throw Unsupported{};
        auto& type = as<Global>(t[1]);
        if (type.module != "torch") throw Unsupported{};
        return make(Storage{storage_type(type.name), as<std::string>(t[2]), as<std::int64_t>(t[4])});
    }

    ValuePtr reduce(const Global& f, const ValuePtr& args) {
        if (f.module == "collections" && f.name == "OrderedDict") return make(Dict{});
        if (f.module != "torch._utils" || f.name != "_rebuild_tensor_v2") throw Unsupported{};
        // (storage, storage_offset, size, stride, requires_grad, backward_hooks)
        auto& a = as<Tuple>(args).items;
        if (a.size() < 4) throw Unsupported{};
        const Storage& s = as<Storage>(a[0]);
        const std::int64_t offset = as<std::int64_t>(a[1]);
        auto sizes = ints(a[2]), strides = ints(a[3]);
        if (sizes.size() != strides.size()) throw Unsupported{};
        auto entry = entries_.find(prefix_ + "data/" + s.key);
        if (entry == entries_.end()) throw Unsupported{};
        const std::int64_t element = std::int64_t(c10::elementSize(s.dtype));
        if (std::int64_t(entry->second.size()) != s.numel * element) throw Unsupported{};
        // The highest element the view reaches must lie inside the storage.
        std::int64_t last = offset;
        for (std::size_t d = 0; d < sizes.size(); ++d) {
            if (sizes[d] < 0 || strides[d] < 0) throw Unsupported{};
            if (sizes[d] == 0) last = -1;
            if (last >= 0) last += (sizes[d] - 1) * strides[d];
        }
        if (offset < 0 || last >= s.numel) throw Unsupported{};
        void* base = const_cast<char*>(entry->second.data()) + offset * element;
        if (reinterpret_cast<std::uintptr_t>(base) % std::uintptr_t(element)) throw Unsupported{};
        return make(TensorRef{torch::from_blob(base, sizes, strides, torch::TensorOptions().dtype(s.dtype))});
    }

    const std::uint8_t* p_;
    const std::uint8_t* end_;
    const std::unordered_map<std::string, std::string_view>& entries_;
    std::string prefix_;
    std::vector<ValuePtr> stack_;
    std::vector<std::size_t> marks_;
    std::unordered_map<std::uint32_t, ValuePtr> memo_;
};

// Every tensor under an object, by its dotted path of attribute names.
void collect(const ValuePtr& v, const std::string& path, std::map<std::string, torch::Tensor>& out) {
    if (auto* t = std::get_if<TensorRef>(&v->v)) {
        out.emplace(path, t->tensor);
        return;
    }
    auto* obj = std::get_if<Object>(&v->v);
    if (!obj || !obj->state) return;
    for (auto& [key, value] : as<Dict>(obj->state).items)
        collect(value, path.empty() ? as<std::string>(key) : path + "." + as<std::string>(key), out);
}

}  // namespace

std::optional<ArchiveTensors> ArchiveTensors::open(const fs::path& file) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || st.st_size <= 0) {
        ::close(fd);
        return std::nullopt;
    }
    const std::size_t size = std::size_t(st.st_size);
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) return std::nullopt;
    ArchiveTensors a;
    a.mapping_ = std::shared_ptr<void>(map, [size](void* p) { ::munmap(p, size); });
    try {
        auto entries = zip_entries(static_cast<const std::uint8_t*>(map), size);
        // One top-level folder (named after the file when torch wrote it) holds data.pkl and data/.
        std::string prefix;
        for (const auto& [name, bytes] : entries) {
            const auto slash = name.find('/');
            if (slash != std::string::npos && name.compare(slash + 1, std::string::npos, "data.pkl") == 0) {
                if (!prefix.empty()) throw Unsupported{};
                prefix = name.substr(0, slash + 1);
            }
        }
        if (prefix.empty()) throw Unsupported{};
        collect(Unpickler(entries.at(prefix + "data.pkl"), entries, prefix).run(), "", a.tensors_);
    } catch (const Unsupported&) {
        return std::nullopt;
    }
    if (a.tensors_.empty()) return std::nullopt;
    return a;
}

torch::Tensor ArchiveTensors::find(const std::string& name) const {
    auto it = tensors_.find(name);
    return it == tensors_.end() ? torch::Tensor() : it->second;
}

}  // namespace quintet
