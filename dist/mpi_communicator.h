// SPDX-License-Identifier: MIT
// The Communicator over MPI (Debian's Open MPI): CPU processes on one or many hosts, started by
// mpirun. Built only when CMake finds MPI (IMRAM_HAVE_MPI), and linked only into the `imram` tool,
// so the installed libraries do not depend on MPI.
#pragma once

#include <memory>

#include "dist/communicator.h"

namespace imram::dist {

/// MPI_COMM_WORLD when this process was started by an MPI launcher (mpirun / mpiexec set
/// OMPI_COMM_WORLD_SIZE or PMI_SIZE), else nullptr: a plain start never initialises MPI. The
/// returned object initialises MPI (threads: funneled) and finalises it when destroyed.
std::unique_ptr<Communicator> mpi_world_if_launched();

/// Ends every process of the job with `code` (MPI_Abort): one rank's error must not leave the
/// others waiting in a collective. Does nothing unless MPI was initialised.
void abort_all(int code);

}  // namespace imram::dist
