#include "common/model/common_types.h"

namespace kr::model {

void to_json(nlohmann::json& j, const IntOrString& v) {
  if (v.is_name()) {
    j = v.name;
  } else {
    j = v.number;
  }
}

void EncodeValue(std::string& out, const IntOrString& v) {
  if (v.is_name()) {
    cbor::WriteText(out, v.name);
  } else {
    cbor::WriteInteger(out, v.number);
  }
}

void from_json(const nlohmann::json& j, IntOrString& v) {
  std::vector<Token> tokens;
  TokenizeJson(j, tokens);
  TokenReader reader(tokens);
  ReadValue(reader, v, "port");
  reader.ExpectEnd();
}

void ReadValue(TokenReader& reader, IntOrString& out, const char* what) {
  if (reader.AtString()) {
    out.number = 0;
    reader.Read(out.name, what);
  } else if (reader.AtInteger()) {
    out.name.clear();
    reader.Read(out.number, what);
  } else {
    TokenReader::Fail(std::string(what) + " must be an integer or a string");
  }
}

}  // namespace kr::model
