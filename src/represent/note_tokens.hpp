#pragma once
// One instrument of a song <-> a sequence of note tokens, the input of the GRU next-note model (SEED-SPEC 2).
// No torch. Two schemes:
//  - events (the article's): one token per onset set, in time order; a single pitch is its name with octave
//    ("C#4"), a chord its pitches ("C4.E4.G4") or, as the original code did, its pitch classes ("0.4.7").
//    Rests and lengths are dropped: on decoding every token lasts one equal step (an eighth note).
//  - steps (beyond the article): one token per grid step: the onset set starting there, <hold> while the
//    last onset set still sounds, <rest> when it has ended. Rhythm and note lengths survive, except that
//    the notes of one onset set end together (when the next set starts or a rest begins).
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "roll/multitrack.hpp"

namespace quintet {

enum class TokenScheme { Events, Steps };
enum class ChordTokens { Pitches, PitchClasses };

inline constexpr const char* kUnknownToken = "<unk>";
inline constexpr const char* kRestToken = "<rest>";
inline constexpr const char* kHoldToken = "<hold>";
// Events decode onto a 16th-note grid, each event an eighth note (two steps) as in the original's 0.5-quarter
// offsets; a pitch repeated by the next event is cut one step short so that the two notes stay two notes.
inline constexpr int kEventResolution = 4;
inline constexpr int kEventSteps = 2;
inline constexpr std::uint8_t kTokenVelocity = 100;

struct NoteTokenSpec {
    TokenScheme scheme = TokenScheme::Steps;
    ChordTokens chords = ChordTokens::Pitches;
    int resolution = 2;  // steps per beat of the grid that onsets (and, for steps, tokens) fall on
    void validate() const;  // UsageError when resolution is not in 1..24
    // Grid steps one token stands for on decoding (events: kEventSteps at kEventResolution).
    int output_resolution() const { return scheme == TokenScheme::Events ? kEventResolution : resolution; }
    int steps_per_token() const { return scheme == TokenScheme::Events ? kEventSteps : 1; }
    int tokens_per_bar() const { return 4 * output_resolution() / steps_per_token(); }  // 4/4 bars
};

// "steps" / "events", "pitch" / "pitch-class": the option spellings; UsageError otherwise.
TokenScheme parse_token_scheme(const std::string& text);
ChordTokens parse_chord_tokens(const std::string& text);
const char* token_scheme_name(TokenScheme s);
const char* chord_tokens_name(ChordTokens c);

// MIDI pitch <-> music21's name with octave (60 = "C4", 61 = "C#4", 0 = "C-1"); -1 when the text is no pitch.
std::string pitch_token(int pitch);
int parse_pitch_token(std::string_view text);

// The token of an onset set (pitches ascending and distinct, at least one).
std::string onset_token(const std::vector<int>& pitches, ChordTokens chords);
// The pitches a token sounds: a pitch-class chord in octave 4 (60 + pc, as music21 rendered the original's
// octave-less chords); none for <rest>, <hold> and <unk>. FormatError-free: UsageError on a malformed token.
std::vector<int> token_pitches(std::string_view token);

// A track's roll at spec.resolution -> tokens. Steps: one per step from step 0 to the end of the last note.
std::vector<std::string> encode_track(const Track& track, const NoteTokenSpec& spec);
// Tokens -> a roll of tokens.size() * steps_per_token() steps at spec.output_resolution(), velocity
// kTokenVelocity. <unk> decodes as a rest (steps) or nothing (events).
Track decode_tokens(const std::vector<std::string>& tokens, const NoteTokenSpec& spec);

// The chosen LPD-5 family of any song at spec.resolution, from the bar (4 beats) holding its first note to the
// end of its last note; an empty track when the family has no note. `first_step` (if not null) gets the step of
// the song's grid where the returned track starts.
Track song_track(const Multitrack& song, int family, int resolution, std::size_t* first_step = nullptr);
// encode_track(song_track(...)): the tokens of one instrument of a song (empty when it has no note).
std::vector<std::string> song_tokens(const Multitrack& song, int family, const NoteTokenSpec& spec);

// The tokens seen in training, with their counts; id 0 is <unk>, the others in string order. Tokens seen
// fewer than min_count times map to <unk>.
class NoteVocabulary {
public:
    static NoteVocabulary build(const std::vector<std::vector<std::string>>& sequences, int min_count);
    std::int64_t size() const { return std::int64_t(tokens_.size()); }
    std::int64_t id(std::string_view token) const;  // unknown -> 0
    const std::string& token(std::int64_t id) const;  // UsageError out of range
    std::int64_t count(std::int64_t id) const { return counts_.at(std::size_t(id)); }  // training occurrences
    std::vector<std::int64_t> encode(const std::vector<std::string>& tokens) const;
    std::vector<std::string> decode(const std::vector<std::int64_t>& ids) const;

    // "token<TAB>count" lines, <unk> first.
    std::string text() const;
    static NoteVocabulary parse(std::string_view text, const std::string& file);  // FormatError on a bad line
    void save(const std::filesystem::path& file) const;  // atomic
    static NoteVocabulary load(const std::filesystem::path& file);

private:
    std::vector<std::string> tokens_;
    std::vector<std::int64_t> counts_;
    std::map<std::string, std::int64_t, std::less<>> ids_;
    void add(std::string token, std::int64_t count);
};

}  // namespace quintet
