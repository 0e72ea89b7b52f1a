#include "services/proxyd/kernel/dummy_vips.h"

#include <algorithm>

#include "common/log/log.h"

namespace kr::proxyd {
namespace {

// The kernel gives every interface an fe80:: address of its own; it is never a VIP.
bool IsIpv6LinkLocal(const ipvs::IpAddress& address) {
  const auto bytes = address.bytes();
  return address.is_v6() && bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80;
}

}  // namespace

Expected<std::vector<ipvs::IpAddress>> DummyVips::Existing() {
  auto index = kernel_.FindLink(options_.name);
  if (!index) return index.error();
  if (!*index) return std::vector<ipvs::IpAddress>();
  auto listed = kernel_.ListAddresses(**index);
  if (!listed) return listed.error();
  std::erase_if(*listed, IsIpv6LinkLocal);
  return listed;
}

Expected<int> DummyVips::EnsureLink(DummyVipsReport& report) {
  auto index = kernel_.FindLink(options_.name);
  if (!index) return index.error();
  if (*index) {
    // Up every time: someone may have set it down, and an up link is a no-op to the kernel.
    if (!options_.dry_run) {
      if (Status up = kernel_.SetUp(**index); !up) return up.error();
    }
    return **index;
  }
  if (options_.dry_run) {
    KR_LOG(INFO) << "dry-run: would create dummy interface " << options_.name;
    return -1;
  }
  if (Status created = kernel_.CreateDummy(options_.name); !created) {
    return Error{created.error().code,
                 "creating " + options_.name + ": " + created.error().message};
  }
  report.created = true;
  KR_LOG(INFO) << "created dummy interface " << options_.name;
  index = kernel_.FindLink(options_.name);
  if (!index) return index.error();
  if (!*index) return Error{ENODEV, options_.name + " vanished after creation"};
  return **index;
}

Expected<DummyVipsReport> DummyVips::Sync(const std::set<ipvs::IpAddress>& wanted,
                                          bool allow_delete) {
  DummyVipsReport report;
  auto index = EnsureLink(report);
  if (!index) return index.error();
  std::vector<ipvs::IpAddress> present;
  if (*index >= 0) {
    auto listed = kernel_.ListAddresses(*index);
    if (!listed) return listed.error();
    present = std::move(*listed);
  }
  std::erase_if(present, IsIpv6LinkLocal);
  std::sort(present.begin(), present.end());

  Status first_failure;
  const auto record = [&](Status status, const std::string& what) {
    if (status) return true;
    KR_LOG(ERROR) << what << " on " << options_.name << ": " << status.error().message;
    if (first_failure) first_failure = status;
    return false;
  };
  for (const auto& vip : wanted) {
    if (std::binary_search(present.begin(), present.end(), vip)) continue;
    if (options_.dry_run) {
      KR_LOG(INFO) << "dry-run: would add " << vip.ToString() << " to " << options_.name;
      continue;
    }
    if (record(kernel_.AddAddress(*index, vip), "adding " + vip.ToString())) {
      report.added.push_back(vip);
    }
  }
  if (allow_delete) {
    for (const auto& address : present) {
      if (wanted.contains(address)) continue;
      if (options_.dry_run) {
        KR_LOG(INFO) << "dry-run: would remove " << address.ToString() << " from " << options_.name;
        continue;
      }
      if (record(kernel_.DeleteAddress(*index, address), "removing " + address.ToString())) {
        report.removed.push_back(address);
      }
    }
  }
  if (!first_failure) return first_failure.error();
  return report;
}

Status DummyVips::Cleanup() {
  auto index = kernel_.FindLink(options_.name);
  if (!index) return index.error();
  if (!*index) return Status::Ok();
  if (options_.dry_run) {
    KR_LOG(INFO) << "dry-run: would delete interface " << options_.name;
    return Status::Ok();
  }
  KR_LOG(INFO) << "deleting interface " << options_.name;
  return kernel_.DeleteLink(**index);
}

Expected<std::vector<ipvs::IpAddress>> DummyVips::OtherLocalAddresses() {
  auto index = kernel_.FindLink(options_.name);
  if (!index) return index.error();
  return kernel_.ListAllAddresses(*index ? **index : 0);
}

}  // namespace kr::proxyd
