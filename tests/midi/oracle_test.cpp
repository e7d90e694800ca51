// Our parser against libsmf on every MIDI file of ../shared/data/midi.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "io/midi/midi.hpp"
#include "midi_files.hpp"
#include "smf_oracle.hpp"
#include "support/shared_data.hpp"
#include "util/atomic_file.hpp"

namespace quintet {
namespace {

std::string describe(const MidiNote& n) {
    std::ostringstream s;
    s << "track " << n.track << " ch " << n.channel << " pitch " << n.pitch << " vel " << n.velocity << " ["
      << n.on_tick << ", " << n.off_tick << ") program " << n.program;
    return s.str();
}

// Returns "" when both agree, else the first difference.
std::string compare_with_oracle(const std::filesystem::path& path) {
    const std::string bytes = read_file(path);
    const MidiFile ours = parse_midi(bytes, path.string());
    const auto oracle = test::smf_oracle_notes(bytes);
    if (!oracle) return "libsmf refused the file";
    if (ours.ticks_per_beat != oracle->ticks_per_beat) return "ticks per beat differ";
    if (static_cast<int>(ours.tracks.size()) != oracle->tracks) return "track counts differ";
    const auto& a = ours.notes;
    const auto& b = oracle->notes;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
        const bool same = a[i].track == b[i].track && a[i].channel == b[i].channel && a[i].pitch == b[i].pitch &&
                          a[i].velocity == b[i].velocity && a[i].on_tick == b[i].on_tick &&
                          a[i].off_tick == b[i].off_tick && a[i].program == b[i].program;
        if (!same) return "note " + std::to_string(i) + ": ours " + describe(a[i]) + ", libsmf " + describe(b[i]);
    }
    if (a.size() != b.size())
        return "note counts differ: ours " + std::to_string(a.size()) + ", libsmf " + std::to_string(b.size());
    return "";
}

void check_folder(const std::string& sub, std::size_t every = 1) {
    const auto files = test::midi_files_under(test::shared_data_dir() / sub);
    ASSERT_FALSE(files.empty()) << "no MIDI files under " << sub;
    std::size_t checked = 0, notes = 0;
    for (std::size_t i = 0; i < files.size(); i += every) {
        SCOPED_TRACE(files[i].string());
        EXPECT_EQ(compare_with_oracle(files[i]), "");
        notes += read_midi(files[i]).notes.size();
        ++checked;
    }
    EXPECT_GT(notes, 0u);
    std::cout << "[ oracle   ] " << sub << ": " << checked << " files, " << notes << " notes agree with libsmf\n";
}

#ifdef QUINTET_HAVE_SMF
#define ORACLE_TEST(name, sub, every)      \
    TEST(MidiOracle, name) {               \
        QUINTET_REQUIRE_SHARED_DATA(sub);  \
        check_folder(sub, every);          \
    }
#else
// libsmf is found optionally at configure time, and scripts/install-deps installs it: strict mode fails.
#define ORACLE_TEST(name, sub, every) \
    TEST(MidiOracle, name) { QUINTET_SKIP_OR_FAIL("libsmf (pkg-config smf, Debian libsmf-dev) not found at configure time"); }
#endif

ORACLE_TEST(Freedoom, "midi/freedoom", 1)
ORACLE_TEST(OpenMsx, "midi/openmsx", 1)
ORACLE_TEST(Blupi, "midi/blupi", 1)
ORACLE_TEST(Mma, "midi/mma", 1)
ORACLE_TEST(LmdMultitrack, "midi/lmd-multitrack", 1)
ORACLE_TEST(ClassicalPiano, "midi/classical-piano", 1)
ORACLE_TEST(Pop909, "midi/pop909", 1)

}  // namespace
}  // namespace quintet
