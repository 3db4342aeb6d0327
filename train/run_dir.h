// SPDX-License-Identifier: MIT
// The rules of a run directory: one trainer at a time (an advisory lock), and a fresh run never
// mixes its files with an earlier run's (it refuses a directory that holds one, or clears the
// earlier run's files when told to overwrite).
#pragma once

#include <string>
#include <vector>

namespace imram::train {

/// An exclusive flock(2) on {dir}/.lock for the object's lifetime; creates `dir`. A second holder (in
/// this or another process) is refused with ErrorKind::Unavailable naming the directory and the pid
/// written in the lock file. The kernel releases the lock when the process ends, however it ends.
class RunDirLock {
public:
    explicit RunDirLock(const std::string& dir);
    ~RunDirLock();
    RunDirLock(const RunDirLock&) = delete;
    RunDirLock& operator=(const RunDirLock&) = delete;

private:
    int fd_ = -1;
};

/// What is in `dir` besides its lock file, sorted (empty when `dir` does not exist).
std::vector<std::string> run_dir_entries(const std::string& dir);

/// Makes `dir` ready for a fresh run. An empty or missing directory is fine. Otherwise, without
/// `overwrite`, refuses (ErrorKind::Usage) naming what is there and the three ways on; with
/// `overwrite`, removes the files a run writes (metrics, checkpoints, the learning curve, compare_*
/// runs) and leaves anything else alone.
void prepare_fresh_run_dir(const std::string& dir, bool overwrite);

}  // namespace imram::train
