// Names of file-system error codes, as shown in traces and messages.
#include "broker/env/files.h"

namespace kraftsim::env {

const char* to_string(IoErrc errc) {
  switch (errc) {
    case IoErrc::not_found: return "not-found";
    case IoErrc::already_exists: return "already-exists";
    case IoErrc::disk_full: return "disk-full";
    case IoErrc::io_error: return "io-error";
    case IoErrc::invalid_argument: return "invalid-argument";
  }
  return "unknown";
}

}  // namespace kraftsim::env
