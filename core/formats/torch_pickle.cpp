#include "core/formats/torch_pickle.h"

#include "core/formats/json_io.h"
#include "core/formats/zip_reader.h"

#include <cstring>
#include <memory>
#include <unordered_map>

namespace attnviz {

namespace {

struct PValue;
using PRef = std::shared_ptr<PValue>;

struct PValue {
    enum class Kind { None, Bool, Int, Float, Str, Tuple, List, Dict, Global, Storage, Tensor } kind = Kind::None;
    long long i = 0;
    double f = 0;
    std::string s;            // Str; Global "module.name"; Storage: its key
    std::vector<PRef> items;  // Tuple, List; Dict as key, value, key, value…
    int depth = 1;
    bool contained = false;   // placed inside another value: no more filling
    // Storage
    std::string storageType;  // "FloatStorage"
    long long numel = 0;
    // Tensor
    PRef storage;
    long long offset = 0;
    std::vector<long long> shape, stride;
};

const char* kindName(PValue::Kind k)
{
    switch (k) {
    case PValue::Kind::None: return "None";
    case PValue::Kind::Bool: return "a bool";
    case PValue::Kind::Int: return "an int";
    case PValue::Kind::Float: return "a float";
    case PValue::Kind::Str: return "a string";
    case PValue::Kind::Tuple: return "a tuple";
    case PValue::Kind::List: return "a list";
    case PValue::Kind::Dict: return "a dict";
    case PValue::Kind::Global: return "a global";
    case PValue::Kind::Storage: return "a storage";
    case PValue::Kind::Tensor: return "a tensor";
    }
    return "something";
}

class Unpickler {
public:
    Unpickler(const std::string& data, const std::string& file, const ArrayLimits& limits) : d_(data), file_(file), limits_(limits) {}

    PRef run()
    {
        while (true) {
            const unsigned char op = byte();
            switch (op) {
            case 0x80: byte(); break;                       // PROTO
            case 0x95: take(8); break;                      // FRAME (length only)
            case '}': push(make(PValue::Kind::Dict)); break;  // EMPTY_DICT
            case ']': push(make(PValue::Kind::List)); break;  // EMPTY_LIST
            case ')': push(make(PValue::Kind::Tuple)); break; // EMPTY_TUPLE
            case '(': marks_.push_back(stack_.size()); break; // MARK
            case 'N': push(make(PValue::Kind::None)); break;
            case 0x88: case 0x89: { auto v = make(PValue::Kind::Bool); v->i = op == 0x88; push(v); break; }
            case 'K': pushInt(byte()); break;               // BININT1
            case 'M': pushInt(static_cast<long long>(le(2))); break;  // BININT2
            case 'J': pushInt(static_cast<std::int32_t>(static_cast<std::uint32_t>(le(4)))); break;  // BININT
            case 0x8a: {                                     // LONG1
                const unsigned n = byte();
                if (n > 8) fail("expected integers of at most 8 bytes, found a LONG1 of " + std::to_string(n));
                unsigned long long v = n ? le(n) : 0;
                if (n && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~0ULL << (8 * n);  // sign-extend
                pushInt(static_cast<long long>(v));
                break;
            }
            case 'G': {                                      // BINFLOAT, big-endian
                unsigned long long bits = 0;
                for (int k = 0; k < 8; ++k) bits = (bits << 8) | byte();
                auto v = make(PValue::Kind::Float);
                std::memcpy(&v->f, &bits, 8);
                push(v);
                break;
            }
            case 'X': pushStr(take(le(4))); break;           // BINUNICODE
            case 0x8c: pushStr(take(byte())); break;          // SHORT_BINUNICODE
            case 0x8d: pushStr(take(le(8))); break;           // BINUNICODE8
            case 'T': pushStr(take(le(4))); break;           // BINSTRING
            case 'U': pushStr(take(byte())); break;          // SHORT_BINSTRING
            case 't': { auto v = make(PValue::Kind::Tuple); v->items = popMark(); setDepth(*v); push(v); break; }
            case 0x85: case 0x86: case 0x87: {               // TUPLE1..3
                const std::size_t n = op - 0x84u;
                auto v = make(PValue::Kind::Tuple);
                v->items = popN(n);
                setDepth(*v);
                push(v);
                break;
            }
            case 'q': memo(byte()); break;                   // BINPUT
            case 'r': memo(le(4)); break;                    // LONG_BINPUT
            case 0x94: memo(memo_.size()); break;            // MEMOIZE
            case 'h': get(byte()); break;                    // BINGET
            case 'j': get(le(4)); break;                     // LONG_BINGET
            case 'c': {                                      // GLOBAL "module\nname\n"
                const std::string module = line(), name = line();
                push(global(module, name));
                break;
            }
            case 0x93: {                                     // STACK_GLOBAL
                PRef name = pop(), module = pop();
                if (module->kind != PValue::Kind::Str || name->kind != PValue::Kind::Str)
                    fail("expected two strings for STACK_GLOBAL, found " + std::string(kindName(module->kind)) + " and " + kindName(name->kind));
                push(global(module->s, name->s));
                break;
            }
            case 'Q': push(persistent(pop())); break;        // BINPERSID
            case 'R': {                                      // REDUCE
                PRef args = pop(), callable = pop();
                push(reduce(callable, args));
                break;
            }
            case 's': { PRef v = pop(), k = pop(); fill(top(), {k, v}, PValue::Kind::Dict); break; }   // SETITEM
            case 'u': { auto items = popMark(); fill(top(), items, PValue::Kind::Dict); break; }       // SETITEMS
            case 'a': { PRef v = pop(); fill(top(), {v}, PValue::Kind::List); break; }                // APPEND
            case 'e': { auto items = popMark(); fill(top(), items, PValue::Kind::List); break; }       // APPENDS
            case '.':                                        // STOP
                if (stack_.size() != 1)
                    fail("expected one object at the end of the pickle, found " + std::to_string(stack_.size()));
                return stack_.back();
            default: {
                char hex[8];
                std::snprintf(hex, sizeof hex, "0x%02x", op);
                fail(std::string("expected only the pickle opcodes torch.save writes for tensors, lists, dicts and strings, found opcode ") + hex
                     + " at byte " + std::to_string(pos_ - 1) + " (nothing in the file was run)");
            }
            }
        }
    }

private:
    [[noreturn]] void fail(const std::string& what) const { throw InputError(file_, "data.pkl", what); }

    unsigned char byte()
    {
        if (pos_ >= d_.size())
            fail("expected more pickle data, found its end (truncated)");
        return static_cast<unsigned char>(d_[pos_++]);
    }
    unsigned long long le(unsigned n)
    {
        unsigned long long v = 0;
        for (unsigned k = 0; k < n; ++k)
            v |= static_cast<unsigned long long>(byte()) << (8 * k);
        return v;
    }
    std::string take(unsigned long long n)
    {
        if (n > d_.size() - pos_)
            fail("expected " + std::to_string(n) + " more bytes of pickle data, found " + std::to_string(d_.size() - pos_) + " (truncated)");
        std::string s = d_.substr(pos_, static_cast<std::size_t>(n));
        pos_ += static_cast<std::size_t>(n);
        return s;
    }
    std::string line()
    {
        const std::size_t end = d_.find('\n', pos_);
        if (end == std::string::npos || end - pos_ > 200)
            fail("expected a global name ending in a newline, found the end of the pickle");
        std::string s = d_.substr(pos_, end - pos_);
        pos_ = end + 1;
        return s;
    }

    PRef make(PValue::Kind kind)
    {
        if (++values_ > limits_.maxPickleValues)
            fail("expected at most " + std::to_string(limits_.maxPickleValues) + " values in the pickle, found more");
        auto v = std::make_shared<PValue>();
        v->kind = kind;
        return v;
    }
    void push(PRef v) { stack_.push_back(std::move(v)); }
    void pushInt(long long i) { auto v = make(PValue::Kind::Int); v->i = i; push(v); }
    void pushStr(std::string s) { auto v = make(PValue::Kind::Str); v->s = std::move(s); push(v); }
    PRef pop()
    {
        if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back()))
            fail("expected a value on the pickle stack, found none (corrupt pickle)");
        PRef v = std::move(stack_.back());
        stack_.pop_back();
        return v;
    }
    PRef& top()
    {
        if (stack_.empty())
            fail("expected a value on the pickle stack, found none (corrupt pickle)");
        return stack_.back();
    }
    std::vector<PRef> popN(std::size_t n)
    {
        std::vector<PRef> out(n);
        for (std::size_t k = n; k-- > 0;)
            out[k] = pop();
        return out;
    }
    std::vector<PRef> popMark()
    {
        if (marks_.empty())
            fail("expected a MARK before this opcode, found none (corrupt pickle)");
        const std::size_t m = marks_.back();
        marks_.pop_back();
        if (m > stack_.size())
            fail("expected the MARK inside the stack, found it beyond (corrupt pickle)");
        std::vector<PRef> out(stack_.begin() + static_cast<std::ptrdiff_t>(m), stack_.end());
        stack_.resize(m);
        return out;
    }
    void setDepth(PValue& v)
    {
        for (PRef& c : v.items) {
            c->contained = true;
            v.depth = std::max(v.depth, c->depth + 1);
        }
        if (v.depth > limits_.maxPickleDepth)
            fail("expected values nested at most " + std::to_string(limits_.maxPickleDepth) + " deep, found deeper");
    }
    // SETITEM(S) / APPEND(S): only on a dict or list not yet placed inside another value, so the recorded
    // nesting depth stays exact.
    void fill(PRef& target, const std::vector<PRef>& items, PValue::Kind kind)
    {
        if (target->kind != kind)
            fail(std::string("expected ") + kindName(kind) + " to fill, found " + kindName(target->kind));
        if (target->contained)
            fail(std::string("expected ") + kindName(kind) + " to be filled before it is placed in another value, found it filled later");
        for (const PRef& item : items)
            if (item == target)
                fail(std::string("expected ") + kindName(kind) + " that does not contain itself, found one that does");
        if (kind == PValue::Kind::Dict && items.size() % 2)
            fail("expected key-value pairs for SETITEMS, found an odd count");
        target->items.insert(target->items.end(), items.begin(), items.end());
        setDepth(*target);
    }
    void memo(unsigned long long index)
    {
        if (index > static_cast<unsigned long long>(limits_.maxPickleValues))
            fail("expected a memo index below " + std::to_string(limits_.maxPickleValues) + ", found " + std::to_string(index));
        memo_[index] = top();
    }
    void get(unsigned long long index)
    {
        const auto it = memo_.find(index);
        if (it == memo_.end())
            fail("expected a memo entry " + std::to_string(index) + ", found none (corrupt pickle)");
        push(it->second);
    }

    PRef global(const std::string& module, const std::string& name)
    {
        const std::string full = module + "." + name;
        static const char* const allowed[] = {"torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter", "collections.OrderedDict",
                                              "torch.FloatStorage", "torch.DoubleStorage", "torch.HalfStorage", "torch.BFloat16Storage",
                                              "torch.LongStorage", "torch.IntStorage", "torch.ShortStorage", "torch.CharStorage",
                                              "torch.ByteStorage", "torch.BoolStorage"};
        for (const char* a : allowed)
            if (full == a) {
                auto v = make(PValue::Kind::Global);
                v->s = full;
                return v;
            }
        fail("refused the global \"" + printable(full, 80) + "\": only torch's tensor-rebuild functions, storage types and collections.OrderedDict "
             "are allowed (nothing in the file was run; save a dict of tensors with torch.save)");
    }

    // ('storage', torch.FloatStorage, '0', 'cpu', numel)
    PRef persistent(const PRef& pid)
    {
        if (pid->kind != PValue::Kind::Tuple || pid->items.size() != 5 || pid->items[0]->kind != PValue::Kind::Str || pid->items[0]->s != "storage"
            || pid->items[1]->kind != PValue::Kind::Global || pid->items[1]->s.rfind("torch.", 0) != 0 || pid->items[2]->kind != PValue::Kind::Str
            || pid->items[4]->kind != PValue::Kind::Int)
            fail("expected a persistent id ('storage', type, key, location, numel), found " + std::string(kindName(pid->kind)));
        auto v = make(PValue::Kind::Storage);
        v->storageType = pid->items[1]->s.substr(6);
        v->s = pid->items[2]->s;
        v->numel = pid->items[4]->i;
        if (v->numel < 0)
            fail("expected a storage size of at least 0, found " + std::to_string(v->numel));
        return v;
    }

    std::vector<long long> ints(const PRef& t, const char* what)
    {
        if (t->kind != PValue::Kind::Tuple)
            fail(std::string("expected a tuple of ints for the tensor's ") + what + ", found " + kindName(t->kind));
        std::vector<long long> out;
        for (const PRef& e : t->items) {
            if (e->kind != PValue::Kind::Int)
                fail(std::string("expected a tuple of ints for the tensor's ") + what + ", found " + kindName(e->kind) + " in it");
            out.push_back(e->i);
        }
        return out;
    }

    PRef reduce(const PRef& callable, const PRef& args)
    {
        if (callable->kind != PValue::Kind::Global || args->kind != PValue::Kind::Tuple)
            fail("expected REDUCE of an allowed global with a tuple, found " + std::string(kindName(callable->kind)) + " and " + kindName(args->kind));
        const auto& a = args->items;
        if (callable->s == "collections.OrderedDict") {
            if (!a.empty())
                fail("expected OrderedDict(), found it called with arguments");
            return make(PValue::Kind::Dict);
        }
        if (callable->s == "torch._utils._rebuild_tensor_v2") {
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            if (a.size() < 4 || a[0]->kind != PValue::Kind::Storage || a[1]->kind != PValue::Kind::Int)
                fail("expected _rebuild_tensor_v2(storage, offset, size, stride, …), found other arguments");
            auto t = make(PValue::Kind::Tensor);
            t->storage = a[0];
            t->offset = a[1]->i;
            t->shape = ints(a[2], "size");
            t->stride = ints(a[3], "stride");
            if (t->shape.size() != t->stride.size() || t->shape.size() > 8)
                fail("expected as many strides as dimensions (at most 8), found " + std::to_string(t->stride.size()) + " and " + std::to_string(t->shape.size()));
            return t;
        }
        if (callable->s == "torch._utils._rebuild_parameter") {
            if (a.empty() || a[0]->kind != PValue::Kind::Tensor)
                fail("expected _rebuild_parameter(tensor, …), found other arguments");
            return a[0];
        }
        fail("refused to call \"" + callable->s + "\" (only tensor rebuilds and OrderedDict() are interpreted)");
    }

    const std::string& d_;
    std::string file_;
    ArrayLimits limits_;
    std::size_t pos_ = 0;
    std::vector<PRef> stack_;
    std::vector<std::size_t> marks_;
    std::unordered_map<unsigned long long, PRef> memo_;
    long long values_ = 0;
};

const PValue& topDict(const PRef& top, const std::string& file)
{
    if (top->kind != PValue::Kind::Dict)
        throw InputError(file, "data.pkl", std::string("expected a dict of tensors (torch.save({\"encoder_states\": H, \"decoder_states\": S}, path)), found ")
                                               + (top->kind == PValue::Kind::Tensor ? "a bare tensor" : kindName(top->kind)));
    for (std::size_t k = 0; k < top->items.size(); k += 2)
        if (top->items[k]->kind != PValue::Kind::Str)
            throw InputError(file, "data.pkl", std::string("expected string keys in the saved dict, found ") + kindName(top->items[k]->kind));
    return *top;
}

} // namespace

void checkTorchPickle(const std::string& pickle, const std::string& file, const ArrayLimits& limits)
{
    topDict(Unpickler(pickle, file, limits).run(), file);
}

ArrayFile readTorchZip(const std::string& bytes, const std::string& file, const ArrayLimits& limits)
{
    ZipReader zip(bytes, file, limits);
    std::string prefix;
    for (const std::string& n : zip.names()) {
        const std::size_t slash = n.find('/');
        if (slash != std::string::npos && n.compare(slash, std::string::npos, "/data.pkl") == 0) {
            prefix = n.substr(0, slash + 1);
            break;
        }
    }
    if (prefix.empty())
        throw InputError(file, "", "expected a torch.save archive (a zip holding NAME/data.pkl), found a zip without data.pkl");
    const std::string pickle = zip.read(prefix + "data.pkl", "data.pkl");
    if (pickle.size() > limits.maxPickleBytes)
        throw InputError(file, "data.pkl", "expected a pickle of at most " + std::to_string(limits.maxPickleBytes >> 20) + " MiB, found "
                                               + std::to_string(pickle.size()) + " bytes");
    bool big = false;
    if (zip.contains(prefix + "byteorder")) {
        const std::string order = zip.read(prefix + "byteorder", "byteorder");
        if (order != "little" && order != "big")
            throw InputError(file, "byteorder", "expected \"little\" or \"big\", found \"" + printable(order) + "\"");
        big = order == "big";
    }
    const PRef top = Unpickler(pickle, file, limits).run();
    const PValue& dict = topDict(top, file);

    ArrayFile out;
    long long total = 0;
    for (std::size_t k = 0; k < dict.items.size(); k += 2) {
        const std::string& name = dict.items[k]->s;
        const PValue& v = *dict.items[k + 1];
        if (isTokenArrayName(name)) {
            if (v.kind != PValue::Kind::List && v.kind != PValue::Kind::Tuple)
                throw InputError(file, name, std::string("expected a list of strings, found ") + kindName(v.kind));
            std::vector<std::string> tokens;
            for (const PRef& e : v.items) {
                if (e->kind != PValue::Kind::Str)
                    throw InputError(file, name, std::string("expected a list of strings, found ") + kindName(e->kind) + " in it");
                tokens.push_back(e->s);
            }
            out.strings[name] = std::move(tokens);
            continue;
        }
        if (!isNumericArrayName(name))
            continue;
        if (v.kind != PValue::Kind::Tensor)
            throw InputError(file, name, std::string("expected a tensor, found ") + kindName(v.kind));
        const PValue& st = *v.storage;
        DType type;
        if (st.storageType == "FloatStorage") type = DType::F32;
        else if (st.storageType == "DoubleStorage") type = DType::F64;
        else if (st.storageType == "HalfStorage") type = DType::F16;
        else if (st.storageType == "BFloat16Storage") type = DType::BF16;
        else
            throw InputError(file, name, "expected a float16, bfloat16, float32 or float64 tensor, found " + st.storageType
                                             + " (an integer or bool dtype: convert with .float())");
        const long long count = checkShape(v.shape, file, name, limits);
        countNumbers(total, count, file, name, limits);
        if (st.s.empty() || st.s.find('/') != std::string::npos)
            throw InputError(file, name, "expected a storage key, found \"" + printable(st.s) + "\"");
        const std::string raw = zip.read(prefix + "data/" + st.s, name);
        const unsigned long long have = raw.size() / static_cast<unsigned long long>(dtypeSize(type));
        if (static_cast<unsigned long long>(st.numel) > have)
            throw InputError(file, name, "expected a storage of " + std::to_string(st.numel) + " numbers, found " + std::to_string(raw.size()) + " bytes");
        out.arrays[name] = gatherArray(reinterpret_cast<const unsigned char*>(raw.data()), static_cast<unsigned long long>(st.numel), type, big, v.shape,
                                       v.stride, v.offset, file, name);
    }
    return out;
}

} // namespace attnviz
