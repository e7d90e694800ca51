// One plot of the DCGAN's diversity over epochs for several runs (docs/RESULTS.md, bench/gan/gan_results.sh):
//   gan_diversity_plot OUT.png [--column=NAME] LABEL=RUN/curve.csv ...
// Each run's `diversity_jaccard` column (mean pairwise Jaccard distance of its 64 fixed-noise samples), or
// another column of curve.csv (d_acc_fake: D's accuracy on G's samples).
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "io/image/line_plot.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace {

quintet::Series read_series(const std::string& label, const std::string& csv, const std::string& column) {
    std::istringstream in(quintet::read_file(csv));
    std::string line;
    std::getline(in, line);
    std::vector<std::string> header;
    std::stringstream h(line);
    for (std::string cell; std::getline(h, cell, ',');) header.push_back(cell);
    std::size_t at = 0, epoch = 1;
    while (at < header.size() && header[at] != column) ++at;
    if (at == header.size()) throw quintet::FormatError(csv, "no column " + column);
    quintet::Series s{label, {}, {}};
    while (std::getline(in, line)) {
        std::vector<std::string> cells;
        std::stringstream c(line);
        for (std::string cell; std::getline(c, cell, ',');) cells.push_back(cell);
        if (cells.size() != header.size()) throw quintet::FormatError(csv, "malformed row: " + line);
        s.xs.push_back(std::stod(cells[epoch]));
        s.ys.push_back(std::stod(cells[at]));
    }
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s OUT.png LABEL=curve.csv ...\n", argv[0]);
        return 2;
    }
    try {
        std::vector<quintet::Series> series;
        std::string column = "diversity_jaccard";
        int first = 2;
        if (std::string(argv[2]).rfind("--column=", 0) == 0) column = std::string(argv[first++]).substr(9);
        for (int i = first; i < argc; ++i) {
            const std::string arg = argv[i];
            const auto eq = arg.find('=');
            if (eq == std::string::npos) throw quintet::UsageError("expected LABEL=curve.csv, got " + arg);
            series.push_back(read_series(arg.substr(0, eq), arg.substr(eq + 1), column));
        }
        if (series.empty()) throw quintet::UsageError("no LABEL=curve.csv given");
        quintet::PlotOptions o;
        const bool diversity = column == "diversity_jaccard";
        o.title = diversity ? "DCGAN: diversity of 64 fixed-noise samples" : "DCGAN: " + column + " over epochs";
        o.x_label = "epoch";
        o.y_label = diversity ? "Jaccard distance" : column;
        o.width = 900;
        o.height = 520;
        quintet::write_line_plot_png(series, argv[1], o);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 2;
    }
    return 0;
}
