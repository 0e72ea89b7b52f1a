// Writes the seed corpus (seed_messages.h) into the directory given as the only argument.
#include <cstdio>
#include <fstream>
#include <string>

#include "services/routed/bgp/fuzz/seed_messages.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  int written = 0;
  for (const kr::bgp::fuzz::Seed& seed : kr::bgp::fuzz::SeedCorpus()) {
    const std::string path = std::string(argv[1]) + "/" + seed.name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(seed.input.data()),
              static_cast<std::streamsize>(seed.input.size()));
    if (!out) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      return 1;
    }
    ++written;
  }
  std::printf("wrote %d seeds to %s\n", written, argv[1]);
  return 0;
}
