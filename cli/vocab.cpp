// SPDX-License-Identifier: MIT
// `imram vocab`: build a vocabulary from caption files.
#include "data/vocab.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/common.h"

namespace imram::cli {
namespace fs = std::filesystem;
namespace {

struct VocabCommand {
    std::vector<std::string> vocab_inputs;
    std::string vocab_out;
    int threshold = 4;
    CLI::App* vb = nullptr;

    explicit VocabCommand(CLI::App& app) {
        vb = app.add_subcommand("vocab", "build a vocabulary JSON from caption files (vocab.py's recipe)");
        vb->add_option("captions", vocab_inputs, "caption files ({split}_caps.txt)")->required();
        vb->add_option("--out", vocab_out, "output JSON")->required();
        vb->add_option("--threshold", threshold, "keep words seen at least this often")->check(at_least(1));
    }

    int run() {
        for (const auto& f : vocab_inputs) {
            if (!fs::exists(f)) throw Error::missing("vocab: cannot open " + f);
            if (same_file(f, vocab_out))
                throw Error::usage("vocab: --out " + vocab_out + " is one of the caption files");
        }
        const data::Vocab v = data::build_vocab(vocab_inputs, threshold, data::kVocabularyRules);
        data::save_vocab(vocab_out, v);
        std::printf("wrote %s: %lld words\n", vocab_out.c_str(), static_cast<long long>(v.size()));
        return 0;
    }
};

}  // namespace

Subcommand add_vocab(CLI::App& app) {
    auto c = std::make_shared<VocabCommand>(app);
    return {c->vb, [c] { return c->run(); }};
}

}  // namespace imram::cli
