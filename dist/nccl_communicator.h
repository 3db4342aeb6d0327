// SPDX-License-Identifier: MIT
// The Communicator over NCCL, for processes that each drive one GPU (docs/distributed.md). Built when
// the CUDA toolkit's NCCL and MPI are both found (IMRAM_HAVE_NCCL), and linked into the `imram` tool
// alone. MPI starts the processes and carries NCCL's bootstrap (the unique id) and the per-rank counts;
// NCCL carries the data between the GPUs.
#pragma once

#include <memory>

#include "dist/communicator.h"

namespace imram::dist {

/// A communicator over the GPUs of the processes of `bootstrap` (every process calls this at the same
/// time, each with its own CUDA device index; two processes must not share a GPU, NCCL's rule).
/// `bootstrap` must outlive the result. Throws imram::Error (Unavailable) when CUDA or NCCL fail.
std::unique_ptr<Communicator> make_nccl_communicator(const Communicator& bootstrap, int cuda_device);

}  // namespace imram::dist
