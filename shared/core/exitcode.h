#pragma once

#include "core/result.h"

namespace beatbook {

// The exit codes every Beatbook command-line tool gives, so that operators'
// scripts read them alike: 0 done, 2 bad input (nothing was written), 1
// anything else (the disk, the network, a data pack).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadInput = 2;

// A refusal of what the person asked for is bad input; a failure of the
// machine is not.
constexpr int exitCodeFor(const Error &error)
{
    switch (error.code) {
    case ErrorCode::InvalidInput:
    case ErrorCode::NotFound:
    case ErrorCode::NotAllowed:
        return kExitBadInput;
    case ErrorCode::Conflict:
    case ErrorCode::Storage:
    case ErrorCode::DataPack:
    case ErrorCode::Io:
        return kExitFailure;
    }
    return kExitFailure;
}

} // namespace beatbook
