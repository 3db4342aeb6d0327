// SPDX-License-Identifier: MIT
// imram_two_layer_network: the engine end to end on built-in generated data, no download needed.
// A two-layer network learns a synthetic 3-class problem with softmax cross-entropy and SGD, then is
// evaluated on a held-out split. Prints progress on stderr and the final metrics on stdout.
//
//   imram_two_layer_network [--steps N] [--lr X] [--seed S] [--device cpu|ref]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/autograd.h"
#include "core/ops.h"

using namespace imram;

namespace {

struct Options {
    int steps = 300;
    double lr = 0.5;
    std::uint64_t seed = 1;
    Device device = Device::cpu();
};

[[noreturn]] void usage(const char* msg) {
    std::fprintf(stderr, "imram_two_layer_network: %s\nusage: imram_two_layer_network [--steps N] [--lr X] [--seed S] [--device cpu|ref]\n", msg);
    std::exit(64);
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(("missing value for " + a).c_str());
            return argv[++i];
        };
        if (a == "--steps")
            o.steps = std::atoi(value().c_str());
        else if (a == "--lr")
            o.lr = std::atof(value().c_str());
        else if (a == "--seed")
            o.seed = std::strtoull(value().c_str(), nullptr, 10);
        else if (a == "--device") {
            const std::string d = value();
            if (d == "cpu")
                o.device = Device::cpu();
            else if (d == "ref")
                o.device = Device::ref();
            else
                usage(("unknown device '" + d + "' (this build has cpu and ref)").c_str());
        } else if (a == "-h" || a == "--help")
            usage("help");
        else
            usage(("unknown option " + a).c_str());
    }
    if (o.steps <= 0) usage("--steps must be positive");
    return o;
}

/// Points in R^8; the class is the argmax of three fixed random projections of tanh(x).
struct Data {
    Tensor x, onehot, label;
};
Data make_data(std::int64_t n, std::uint64_t seed, const Tensor& proj, Device dev) {
    Tensor x = randn({n, 8}, seed).to(dev);
    NoGradGuard ng;
    Tensor label = max(matmul(tanh(x), proj), 1).indices;
    std::vector<float> oh(static_cast<std::size_t>(n * 3), 0.f);
    for (std::int64_t i = 0; i < n; ++i) oh[i * 3 + static_cast<std::int64_t>(label.at(i))] = 1.f;
    return {x, from_vector(oh, {n, 3}, dev), label};
}

double accuracy(const Tensor& logits, const Tensor& label) {
    Tensor pred = max(logits, 1).indices;
    std::int64_t hit = 0;
    for (std::int64_t i = 0; i < label.numel(); ++i) hit += pred.at(i) == label.at(i);
    return static_cast<double>(hit) / static_cast<double>(label.numel());
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    try {
        Tensor proj = randn({8, 3}, o.seed + 100).to(o.device);
        Data train = make_data(2048, o.seed, proj, o.device), test = make_data(512, o.seed + 1, proj, o.device);
        Tensor w1 = mul(randn({64, 8}, o.seed + 2).to(o.device), 0.35).detach().set_requires_grad();
        Tensor b1 = zeros({64}, DType::F32, o.device).set_requires_grad();
        Tensor w2 = mul(randn({3, 64}, o.seed + 3).to(o.device), 0.12).detach().set_requires_grad();
        Tensor b2 = zeros({3}, DType::F32, o.device).set_requires_grad();
        std::vector<Tensor*> params = {&w1, &b1, &w2, &b2};
        auto forward = [&](const Tensor& x) { return linear(tanh(linear(x, w1, b1)), w2, b2); };
        auto xent = [](const Tensor& logits, const Tensor& onehot) {
            return neg(mean(sum(mul(log_softmax(logits, 1), onehot), {1})));
        };

        std::fprintf(stderr, "imram_two_layer_network: 2-layer MLP, 2048 train / 512 test points, %d SGD steps on %s\n", o.steps,
                     o.device == Device::cpu() ? "cpu" : "ref");
        const auto t0 = std::chrono::steady_clock::now();
        double loss_v = 0;
        for (int step = 1; step <= o.steps; ++step) {
            Tensor loss = xent(forward(train.x), train.onehot);
            for (Tensor* p : params) p->zero_grad();
            loss.backward();
            {
                NoGradGuard ng;
                for (Tensor* p : params) *p = sub(*p, mul(p->grad(), o.lr)).set_requires_grad();
            }
            loss_v = loss.item<double>();
            if (step == 1 || step % 50 == 0 || step == o.steps)
                std::fprintf(stderr, "  step %4d/%d  loss %.4f\n", step, o.steps, loss_v);
        }
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        NoGradGuard ng;
        const double train_acc = accuracy(forward(train.x), train.label);
        const double test_acc = accuracy(forward(test.x), test.label);
        std::printf("final_loss %.4f\ntrain_accuracy %.3f\ntest_accuracy %.3f\nseconds %.2f\n", loss_v, train_acc,
                    test_acc, secs);
        return test_acc > 0.8 ? 0 : 1;
    } catch (const Error& e) {
        std::fprintf(stderr, "imram_two_layer_network: error: %s\n", e.what());
        return 70;
    }
}
