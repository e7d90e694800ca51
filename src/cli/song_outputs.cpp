#include "cli/song_outputs.hpp"

#include <cstdio>
#include <filesystem>
#include <system_error>

#include "util/error.hpp"
#ifdef QUINTET_HAVE_AUDIO
#include "io/audio/render_wav.hpp"
#endif
#ifdef QUINTET_HAVE_IMAGES
#include "io/image/pianoroll_image.hpp"
#endif

namespace quintet::cli {

void check_song_outputs(const SongOutputs& o) {
#ifndef QUINTET_HAVE_AUDIO
    if (!o.wav.empty()) throw UsageError("--wav: this build has no audio (configure with QUINTET_WITH_AUDIO=ON)");
#endif
#ifndef QUINTET_HAVE_IMAGES
    if (!o.png.empty()) throw UsageError("--png: this build has no images (configure with QUINTET_WITH_IMAGES=ON)");
#endif
    (void)o;
}

void write_song_outputs([[maybe_unused]] const Multitrack& song, const SongOutputs& o) {
    check_song_outputs(o);
#ifdef QUINTET_HAVE_AUDIO
    if (!o.wav.empty()) {
        AudioOptions audio;
        audio.soundfont = o.soundfont;
        audio.sample_rate = o.sample_rate;
        audio.gain = o.gain;
        audio.soundfont = resolve_soundfont(audio);  // fail before writing anything
        render_wav(song, o.wav, audio);
        const double secs = static_cast<double>(rendered_frames(song, audio)) / audio.sample_rate;
        std::printf("wrote %s (%.1f s, %d Hz stereo, %s)\n", o.wav.c_str(), secs, audio.sample_rate,
                    audio.soundfont.filename().c_str());
    }
#endif
#ifdef QUINTET_HAVE_IMAGES
    if (!o.png.empty()) {
        PianoRollImageOptions picture;
        picture.title = o.title;
        try {
            write_pianoroll_png(song, o.png, picture);
        } catch (...) {
            std::error_code ec;
            if (!o.wav.empty()) std::filesystem::remove(o.wav, ec);
            throw;
        }
        const auto layout = pianoroll_layout(song, picture);
        std::printf("wrote %s (%dx%d, %zu lanes)\n", o.png.c_str(), layout.width, layout.height, layout.lanes.size());
    }
#endif
}

}  // namespace quintet::cli
