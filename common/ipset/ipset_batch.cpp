#include "common/ipset/ipset_batch.h"

namespace kr::ipset {

void IpsetBatch::Create(const SetSpec& spec) {
  ops_.push_back(IpsetOp{IpsetOp::Kind::kCreate, spec, {}, {}});
}

void IpsetBatch::Add(const std::string& set, const std::string& member) {
  ops_.push_back(IpsetOp{IpsetOp::Kind::kAdd, SetSpec{set}, member, {}});
}

void IpsetBatch::Del(const std::string& set, const std::string& member) {
  ops_.push_back(IpsetOp{IpsetOp::Kind::kDel, SetSpec{set}, member, {}});
}

void IpsetBatch::Flush(const std::string& set) {
  ops_.push_back(IpsetOp{IpsetOp::Kind::kFlush, SetSpec{set}, {}, {}});
}

void IpsetBatch::Swap(const std::string& set, const std::string& other) {
  ops_.push_back(IpsetOp{IpsetOp::Kind::kSwap, SetSpec{set}, {}, other});
}

void IpsetBatch::Destroy(const std::string& set) {
  ops_.push_back(IpsetOp{IpsetOp::Kind::kDestroy, SetSpec{set}, {}, {}});
}

std::string IpsetBatch::ToRestoreText() const {
  std::string text;
  for (const IpsetOp& op : ops_) {
    switch (op.kind) {
      case IpsetOp::Kind::kCreate:
        text += "create " + op.spec.name + " " + std::string(SetTypeName(op.spec.type)) +
                " family " + std::string(FamilyName(op.spec.family));
        break;
      case IpsetOp::Kind::kAdd:
        text += "add " + op.spec.name + " " + op.member;
        break;
      case IpsetOp::Kind::kDel:
        text += "del " + op.spec.name + " " + op.member;
        break;
      case IpsetOp::Kind::kFlush:
        text += "flush " + op.spec.name;
        break;
      case IpsetOp::Kind::kSwap:
        text += "swap " + op.spec.name + " " + op.other;
        break;
      case IpsetOp::Kind::kDestroy:
        text += "destroy " + op.spec.name;
        break;
    }
    text += '\n';
  }
  return text;
}

}  // namespace kr::ipset
