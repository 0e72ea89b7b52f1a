// Server-side printing: the meta.k8s.io/v1 Table that kubectl asks for
// (Accept: application/json;as=Table;v=v1;g=meta.k8s.io) with the columns kube-apiserver's
// printers give the served kinds (a Name and Age table for the others).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tools/kr-apiserver/resources.h"
#include "tools/kr-apiserver/store.h"

namespace kr::apiserver {

// True when the Accept header asks for a Table first (kubectl's human-readable output).
bool WantsTable(const std::string& accept);

enum class TableObjects { kNone, kMetadata, kObject };  // ?includeObject=
TableObjects ParseIncludeObject(const std::string& value);

// A Table of `items`; `list_meta` becomes its metadata (resourceVersion, continue).
nlohmann::json MakeTable(const ResourceType& type, const std::vector<ObjectPtr>& items,
                         const nlohmann::json& list_meta, TableObjects include);

// "5s", "3m20s", "4h", "12d": kubectl's HumanDuration of the time since an RFC 3339 stamp.
std::string AgeSince(const std::string& rfc3339);

}  // namespace kr::apiserver
