#include "test/bench/bgp/mrt_writer.h"

#include <cerrno>
#include <fstream>
#include <vector>

namespace kr::bench {
namespace {

constexpr uint16_t kTableDumpV2 = 13;
constexpr uint16_t kPeerIndexTable = 1;
constexpr uint16_t kRibIpv4Unicast = 2;

void Put16(std::vector<uint8_t>& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
void Put32(std::vector<uint8_t>& out, uint32_t v) {
  Put16(out, v >> 16);
  Put16(out, v & 0xffff);
}

void Record(std::ofstream& file, uint16_t subtype, const std::vector<uint8_t>& body) {
  std::vector<uint8_t> header;
  Put32(header, 0);  // timestamp
  Put16(header, kTableDumpV2);
  Put16(header, subtype);
  Put32(header, static_cast<uint32_t>(body.size()));
  file.write(reinterpret_cast<const char*>(header.data()),
             static_cast<std::streamsize>(header.size()));
  file.write(reinterpret_cast<const char*>(body.data()), static_cast<std::streamsize>(body.size()));
}

}  // namespace

Status WriteMrt(const std::string& path, const MrtTable& t) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) return Error{EIO, "cannot write " + path};

  std::vector<uint8_t> index;
  Put32(index, t.next_hop);  // collector BGP id
  Put16(index, 0);           // no view name
  Put16(index, 1);           // one peer
  index.push_back(0x02);     // peer type: IPv4 address, 4-octet AS
  Put32(index, t.next_hop);  // its BGP id
  Put32(index, t.next_hop);  // its address
  Put32(index, t.peer_as);
  Record(file, kPeerIndexTable, index);

  std::vector<uint8_t> body;
  for (uint32_t record = 0; record < t.count + t.repeat_first; ++record) {
    const uint32_t i = record < t.count ? record : (record - t.count) % t.count;
    body.clear();
    Put32(body, record);  // sequence number
    body.push_back(t.length);
    const uint32_t prefix = t.first + (i << (32 - t.length));
    for (int byte = 0; byte < (t.length + 7) / 8; ++byte) {
      body.push_back(static_cast<uint8_t>(prefix >> (24 - 8 * byte)));
    }
    Put16(body, 1);                                    // one RIB entry
    Put16(body, 0);                                    // peer index
    Put32(body, 0);                                    // originated time
    std::vector<uint8_t> attrs = {0x40, 1, 1, 0};      // ORIGIN IGP
    attrs.insert(attrs.end(), {0x40, 2, 6, 2, 1});     // AS_PATH: one AS_SEQUENCE of one 4-octet AS
    Put32(attrs, 4200000000u + i % t.distinct_paths);  // private, never ours
    attrs.insert(attrs.end(), {0x40, 3, 4});           // NEXT_HOP
    Put32(attrs, t.next_hop);
    Put16(body, static_cast<uint32_t>(attrs.size()));
    body.insert(body.end(), attrs.begin(), attrs.end());
    Record(file, kRibIpv4Unicast, body);
  }
  file.close();
  if (!file) return Error{EIO, "cannot write " + path};
  return Status::Ok();
}

}  // namespace kr::bench
