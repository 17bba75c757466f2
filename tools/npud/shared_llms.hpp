// LLM weights shared between npud's clients: every session of one .npk file (same device, inode,
// size and modification time) in one device group uses the weights loaded by the first, so a
// second client of a model costs only its own session state (KV cache, conv state) on the device.
// The runtime refcounts the weights (all sessions of a model hold them); they are freed when the
// last session of the file goes, whichever client held it.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "npu/common/error.hpp"
#include "npu/genai/llm.hpp"

namespace npu::npud {

// Which file an .npk is: a rewritten file (new mtime or size) or a copy (new inode) is another.
struct FileIdentity {
  std::uint64_t device = 0, inode = 0, size = 0;
  std::int64_t mtime_ns = 0;
  auto operator<=>(const FileIdentity&) const = default;
};
[[nodiscard]] Expected<FileIdentity> identify_file(int fd);

// One LLM session held by a client. `mutex` keeps one client's requests on it in order.
struct DaemonLlm {
  std::unique_ptr<genai::LLM> llm;
  std::string path;
  FileIdentity file;
  std::mutex mutex;
};

class SharedLlms {
 public:
  using Loader = std::function<Expected<std::unique_ptr<genai::LLM>>()>;
  // A new session of `file`: created from a live session of the same file (its weights shared;
  // `shared` set), or by `load` if there is none. Two clients opening one file at once load it once.
  [[nodiscard]] Expected<std::shared_ptr<DaemonLlm>> open(const FileIdentity& file, const std::string& path,
                                                          std::uint8_t priority, const Loader& load, bool& shared);
  // Makes `session` (a create_session() of a registered one) available for sharing too.
  void add(const std::shared_ptr<DaemonLlm>& session);
  // Per loaded file: path, live sessions, how often its weights were reused instead of loaded.
  [[nodiscard]] nlohmann::json status();
  void clear();

 private:
  struct Entry {
    std::mutex load_mutex;  // held while loading, so a concurrent open waits and then shares
    std::string path;
    std::vector<std::weak_ptr<DaemonLlm>> sessions;  // guarded by SharedLlms::mutex_
    std::uint64_t loads = 0, reuses = 0;             // guarded by SharedLlms::mutex_
  };
  [[nodiscard]] std::shared_ptr<DaemonLlm> live_session(Entry& entry);  // caller holds mutex_

  std::mutex mutex_;
  std::map<FileIdentity, std::shared_ptr<Entry>> entries_;
};

}  // namespace npu::npud
