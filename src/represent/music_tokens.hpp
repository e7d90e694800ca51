#pragma once
// Multitrack <-> token ids, MusicAutobot's vocabulary (REFERENCE 3.2) and a five-track variant. No torch.
//
// musicautobot (312 ids): xxbos xxpad, then per onset step the notes sounding from it, pitch descending, each
// as `nP dD` (D in 16th steps, clipped to 128); time advances by `xxsep dK` (K = steps to the next onset
// step, a rest longer than 160 is split). Every pitched track is merged into one part; drums are left out
// (their keys are not pitches); only pitches 21..108 are kept; a trailing rest is dropped.
// lpd5 (320 ids): the same ids plus instrument tokens i0..i4 (LPD-5 order: Drums, Piano, Guitar, Bass,
// Strings); in a step each instrument's group opens with its token; drums keep their GM keys (0..127).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "roll/multitrack.hpp"

namespace quintet {

enum class TokenVocab { musicautobot, lpd5 };
TokenVocab parse_token_vocab(const std::string& name);  // "musicautobot" | "lpd5"; UsageError otherwise
const char* token_vocab_name(TokenVocab v);

namespace tok {
inline constexpr int bos = 0, pad = 1, eos = 2, sep = 8;
inline constexpr int note_begin = 9, note_end = 137;       // n0..n127
inline constexpr int dur_begin = 137, dur_end = 298;       // d0..d160
inline constexpr int max_note_steps = 128;                 // MAX_NOTE_DUR
inline constexpr int max_sep_steps = dur_end - dur_begin - 1;  // 160
inline constexpr int instrument_begin = 312, instrument_end = 317;  // lpd5 only
inline constexpr int steps_per_beat = 4;                   // SAMPLE_FREQ: 16th notes
inline constexpr int lowest_pitch = 21, highest_pitch = 108;
inline bool is_note(int id) { return id >= note_begin && id < note_end; }
inline bool is_duration(int id) { return id >= dur_begin && id < dur_end; }
}  // namespace tok

int vocab_size(TokenVocab v);                     // 312 or 320
std::string token_name(int id, TokenVocab v);     // "xxbos", "n60", "d4", "i2", "dummy0", "?" out of range

// One note on the 16th grid. family: LPD-5 index (musicautobot: 1, the merged part).
struct TokenNote {
    std::size_t start = 0;
    int pitch = 0;
    int duration = 1;  // steps, 1..128
    int family = 1;
    bool operator==(const TokenNote&) const = default;
};

// The notes a vocabulary keeps from a song, in token order (start, family, pitch descending): onsets and
// ends rounded to the 16th grid (a note shorter than a step lasts one), pitch range applied, durations
// clipped, one note per (start, family, pitch) (the longest).
std::vector<TokenNote> vocab_notes(const Multitrack& song, TokenVocab v);
std::vector<int> encode_notes(const std::vector<TokenNote>& notes, TokenVocab v);
std::vector<int> encode_tokens(const Multitrack& song, TokenVocab v);  // encode_notes(vocab_notes(...))

// Decoding never fails: what cannot be read (a note without a duration, a lone duration, a zero-length note,
// an id outside the vocabulary, lpd5 notes before any instrument token) is skipped and counted.
struct DecodedTokens {
    std::vector<TokenNote> notes;
    std::size_t steps = 0;    // the song's length: up to the end of its last note or last advance
    std::size_t skipped = 0;  // ids that were not part of a note or an advance
};
DecodedTokens decode_tokens(std::span<const int> ids, TokenVocab v);
// The decoded notes as a Multitrack at 4 steps per beat: musicautobot one Piano track; lpd5 the five
// LPD-5 tracks. Notes that overlap on one pitch and track merge in the roll.
Multitrack tokens_to_multitrack(std::span<const int> ids, TokenVocab v, int velocity = 90);

// Transposes pitched notes by `semitones`; a note leaving the vocabulary's range is dropped with its
// duration; drums (lpd5 group i0) stay. Other ids are copied.
std::vector<int> transpose_tokens(std::span<const int> ids, int semitones, TokenVocab v);

// The step reached after each id (position of the next onset), as the decoder counts advances.
std::vector<std::size_t> token_steps(std::span<const int> ids);

// MusicAutobot's position input (position_enc): each id's step, where the advance of `xxsep dK` counts from the
// id after the pair (the pair itself is still at the old step); it restarts at 0 at every `xxbos`, so songs laid
// end to end each count from their start.
std::vector<std::int64_t> token_positions(std::span<const int> ids);

}  // namespace quintet
