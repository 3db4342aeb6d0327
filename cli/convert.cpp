// SPDX-License-Identifier: MIT
// `imram convert`: convert an official IMRAM, SCAN, CAMP or PCME checkpoint.

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "cli/common.h"
#include "data/vocab.h"
#include "models/registry.h"

namespace imram::cli {
namespace fs = std::filesystem;
namespace {

struct ConvertCommand {
    std::string convert_in, convert_out, vocab_out;
    CLI::App* cv = nullptr;

    explicit ConvertCommand(CLI::App& app) {
        cv = app.add_subcommand("convert", "convert an official IMRAM, SCAN, CAMP or PCME checkpoint to a model file");
        cv->add_option("checkpoint", convert_in, "the .pth.tar (zip or legacy torch.save layout)")->required();
        cv->add_option("out", convert_out, "the .safetensors to write")->required();
        cv->add_option("--vocab_out,--vocab-out", vocab_out,
                       "where to write the checkpoint's own vocabulary, when it carries one (PCME's word2idx); "
                       "default: OUT with _vocab.json for .safetensors");
    }

    int run() {
        if (!fs::exists(convert_in)) throw Error::missing("convert: cannot open " + convert_in);
        if (same_file(convert_in, convert_out))
            throw Error::usage("convert: the output " + convert_out + " is the input checkpoint; choose another name");
        // The family whose official checkpoint it is converts it (models/registry.h).
        nn::TensorFile f = models::convert_official_checkpoint(convert_in);
        const auto model = models::model_from_file(f, convert_in);  // loads, or says why not, before writing
        std::string words;
        if (auto it = f.metadata.find(models::kConvertedVocab); it != f.metadata.end()) {
            words = it->second;
            f.metadata.erase(it);
        }
        // The vocabulary the checkpoint's embedding rows follow (data/vocab.h format), checked before
        // anything is written.
        data::Vocab v;
        if (!words.empty()) {
            std::size_t start = 0;
            while (start <= words.size()) {
                const std::size_t end = std::min(words.find('\n', start), words.size());
                v.add(words.substr(start, end - start));
                start = end + 1;
            }
            IMRAM_CHECK(v.size() == model->vocab_size(), convert_in, ": its word2idx gives ", v.size(),
                        " distinct words for ", model->vocab_size(), " embedding rows");
            if (vocab_out.empty()) {
                const fs::path out(convert_out);
                vocab_out = (out.parent_path() / (out.stem().string() + "_vocab.json")).string();
            }
            // --vocab_out names a file inside the folder that --vocab_path will name: make that folder.
            const fs::path folder = fs::path(vocab_out).parent_path();
            std::error_code ec;
            if (!folder.empty() && !fs::is_directory(folder) && !fs::create_directories(folder, ec)) {
                std::string m = "convert: --vocab_out: cannot create the folder ";
                m += folder.string();
                m += ": ";
                m += ec ? ec.message() : std::string("a file of that name is in the way");
                throw Error::io(m);
            }
        }
        nn::save_safetensors(convert_out, f);
        if (!words.empty()) {
            data::save_vocab(vocab_out, v);
            std::printf("wrote %s: the checkpoint's vocabulary (%lld words)\n", vocab_out.c_str(),
                        static_cast<long long>(v.size()));
        } else if (!vocab_out.empty()) {
            std::fprintf(stderr, "imram convert: note: %s carries no vocabulary; --vocab_out not written\n",
                         convert_in.c_str());
        }
        const auto from = f.metadata.find("converted_format");
        std::printf("wrote %s: %zu tensors (%s); %s\n", convert_out.c_str(), f.tensors.size(),
                    from == f.metadata.end() ? "official checkpoint" : from->second.c_str(), model->describe().c_str());
        return 0;
    }
};

}  // namespace

Subcommand add_convert(CLI::App& app) {
    auto c = std::make_shared<ConvertCommand>(app);
    return {c->cv, [c] { return c->run(); }};
}

}  // namespace imram::cli
