// SPDX-License-Identifier: MIT
// gaussian_sample: the fused front-end (validation, dispatch, backward) of the reparameterised Gaussian
// draws of PCME (spec 1.4), z = mu + exp(logsig) eps. The maths is in docs/ops.md#gaussian_sample.
#include "core/ops/common.h"

namespace imram {

Tensor gaussian_sample(const Tensor& mu_in, const Tensor& logsig_in, const Tensor& eps_in) {
    detail::check_floating("gaussian_sample", mu_in);
    detail::check_same("gaussian_sample", mu_in, {logsig_in, eps_in});
    IMRAM_CHECK(mu_in.dim() == 2 && mu_in.size(1) > 0, "gaussian_sample: expected mu of shape (N, D > 0), got ",
                mu_in.describe());
    const std::int64_t N = mu_in.size(0), D = mu_in.size(1);
    IMRAM_CHECK(logsig_in.shape() == mu_in.shape(), "gaussian_sample: logsig must have mu's shape ", mu_in.shape(),
                ", got ", logsig_in.shape());
    IMRAM_CHECK(eps_in.dim() == 3 && eps_in.size(0) == N && eps_in.size(2) == D && eps_in.size(1) > 0,
                "gaussian_sample: eps must be (", N, ", K > 0, ", D, ") for mu ", mu_in.shape(), ", got ",
                eps_in.shape());
    const std::int64_t K = eps_in.size(1);
    const Tensor mu = mu_in.contiguous(), logsig = logsig_in.contiguous(), eps = eps_in.contiguous().detach();
    Tensor z = empty({N, K, D}, mu.dtype(), mu.device());
    IMRAM_FLOAT_SWITCH(mu.dtype(), "gaussian_sample", T,
                       IMRAM_DISPATCH(mu.device(), gaussian_sample_fwd,
                                      (GaussianSampleArgs<T>{mu.data<T>(), logsig.data<T>(), eps.data<T>(), z.data<T>(),
                                                             N, K, D})));
    // eps is a draw, not a parameter: no gradient flows into it.
    autograd::record("gaussian_sample", {mu_in, logsig_in}, {z},
                     [logsig = logsig.detach(), eps, N, K, D](const std::vector<Tensor>& g) {
                         const Tensor dz = g[0].contiguous();
                         Tensor dmu = empty_like(logsig), dlogsig = empty_like(logsig);
                         IMRAM_FLOAT_SWITCH(logsig.dtype(), "gaussian_sample", T,
                                            IMRAM_DISPATCH(logsig.device(), gaussian_sample_bwd,
                                                           (GaussianSampleBwdArgs<T>{
                                                               logsig.data<T>(), eps.data<T>(), dz.data<T>(),
                                                               dmu.data<T>(), dlogsig.data<T>(), N, K, D})));
                         return std::vector<Tensor>{dmu, dlogsig};
                     });
    return z;
}

}  // namespace imram
