#include "services/policyd/controller/dry_run_seams.h"

#include "common/log/log.h"

namespace kr::policyd {

Status DryRunIptablesRunner::Restore(iptables::IpFamily family, std::string_view payload) {
  KR_LOG(INFO) << "dry-run: " << (family == iptables::IpFamily::kIPv4 ? "iptables" : "ip6tables")
               << "-restore --noflush payload:\n"
               << payload;
  return Status::Ok();
}

Status DryRunIpsetClient::Create(const ipset::SetSpec& spec) {
  ipset::IpsetBatch batch;
  batch.Create(spec);
  return Restore(batch);
}

Status DryRunIpsetClient::Add(std::string_view set, std::string_view member) {
  KR_LOG(INFO) << "dry-run: ipset add " << set << " " << member;
  return Status::Ok();
}

Status DryRunIpsetClient::Del(std::string_view set, std::string_view member) {
  KR_LOG(INFO) << "dry-run: ipset del " << set << " " << member;
  return Status::Ok();
}

Status DryRunIpsetClient::Flush(std::string_view set) {
  KR_LOG(INFO) << "dry-run: ipset flush " << set;
  return Status::Ok();
}

Status DryRunIpsetClient::Swap(std::string_view set, std::string_view other) {
  KR_LOG(INFO) << "dry-run: ipset swap " << set << " " << other;
  return Status::Ok();
}

Status DryRunIpsetClient::Destroy(std::string_view set) {
  KR_LOG(INFO) << "dry-run: ipset destroy " << set;
  return Status::Ok();
}

Status DryRunIpsetClient::Restore(const ipset::IpsetBatch& batch) {
  if (!batch.empty()) KR_LOG(INFO) << "dry-run: ipset restore payload:\n" << batch.ToRestoreText();
  return Status::Ok();
}

}  // namespace kr::policyd
