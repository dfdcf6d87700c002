// CRC-32C through Boost.CRC, so that no hand-written table can be subtly wrong.
#include "broker/log/crc32c.h"

#include <boost/crc.hpp>

namespace kraftsim::log {

std::uint32_t crc32c(std::span<const std::uint8_t> bytes) {
  // Castagnoli polynomial, reflected in and out, as java.util.zip.CRC32C (RFC 3720, iSCSI).
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

}  // namespace kraftsim::log
