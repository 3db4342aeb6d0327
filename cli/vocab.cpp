// SPDX-License-Identifier: MIT
// `imram vocab`: build a vocabulary from caption files, or convert an official pickled one to JSON.
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
    std::string vocab_out, from_pickle;
    int threshold = 4;
    CLI::App* vb = nullptr;

    explicit VocabCommand(CLI::App& app) {
        vb = app.add_subcommand("vocab",
                                "build a vocabulary JSON from caption files (vocab.py's recipe), or convert a "
                                "pickled one (--from_pickle)");
        vb->add_option("captions", vocab_inputs, "caption files ({split}_caps.txt)");
        vb->add_option("--from_pickle,--from-pickle", from_pickle,
                       "convert vocab.py's pickled Vocabulary (CAMP's and PCME's vocab/*.pkl) to the JSON layout, "
                       "ids unchanged, so that an official checkpoint's embedding rows keep their words")
            ->check(CLI::ExistingFile);
        vb->add_option("--out", vocab_out, "output JSON")->required();
        vb->add_option("--threshold", threshold, "keep words seen at least this often")->check(at_least(1));
    }

    int run() {
        if (!from_pickle.empty()) {
            if (!vocab_inputs.empty()) throw Error::usage("vocab: give caption files or --from_pickle, not both");
            if (same_file(from_pickle, vocab_out)) throw Error::usage("vocab: --out " + vocab_out + " is the pickle");
            const data::Vocab v = data::load_vocab_pickle(from_pickle);
            data::save_vocab(vocab_out, v);
            std::printf("wrote %s: %lld words (from %s)\n", vocab_out.c_str(), static_cast<long long>(v.size()),
                        from_pickle.c_str());
            return 0;
        }
        if (vocab_inputs.empty()) throw Error::usage("vocab: give caption files ({split}_caps.txt) or --from_pickle");
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
