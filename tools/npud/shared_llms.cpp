#include "shared_llms.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace npu::npud {

Expected<FileIdentity> identify_file(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail(ErrorCode::kIo, fmt::format("fstat of the model file: {}", std::strerror(errno)));
  FileIdentity id;
  id.device = static_cast<std::uint64_t>(st.st_dev);
  id.inode = static_cast<std::uint64_t>(st.st_ino);
  id.size = static_cast<std::uint64_t>(st.st_size);
  id.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  return id;
}

std::shared_ptr<DaemonLlm> SharedLlms::live_session(Entry& entry) {
  std::shared_ptr<DaemonLlm> live;
  std::erase_if(entry.sessions, [&](const std::weak_ptr<DaemonLlm>& w) {
    auto s = w.lock();
    if (!s) return true;
    if (!live) live = std::move(s);
    return false;
  });
  return live;
}

Expected<std::shared_ptr<DaemonLlm>> SharedLlms::open(const FileIdentity& file, const std::string& path,
                                                      std::uint8_t priority, const Loader& load, bool& shared) {
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard lock(mutex_);
    auto& e = entries_[file];
    if (!e) {
      e = std::make_shared<Entry>();
      e->path = path;
    }
    entry = e;
  }
  std::lock_guard loading(entry->load_mutex);
  std::shared_ptr<DaemonLlm> from;
  {
    std::lock_guard lock(mutex_);
    from = live_session(*entry);
  }
  auto session = std::make_shared<DaemonLlm>();
  session->path = path;
  session->file = file;
  if (from) {
    // Reading the model and text of `from` is safe while its own client uses it.
    NPU_TRY_ASSIGN(session->llm, from->llm->create_session());
    if (priority != genai::LLMParams{}.scheduler_priority) NPU_TRY(session->llm->set_scheduler_priority(priority));
    shared = true;
  } else {
    NPU_TRY_ASSIGN(session->llm, load());
    shared = false;
  }
  std::lock_guard lock(mutex_);
  entry->sessions.push_back(session);
  (shared ? entry->reuses : entry->loads) += 1;
  return session;
}

void SharedLlms::add(const std::shared_ptr<DaemonLlm>& session) {
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(session->file); it != entries_.end()) it->second->sessions.push_back(session);
}

nlohmann::json SharedLlms::status() {
  nlohmann::json out = nlohmann::json::array();
  std::lock_guard lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    auto& e = *it->second;
    std::erase_if(e.sessions, [](const std::weak_ptr<DaemonLlm>& w) { return w.expired(); });
    const std::size_t live = e.sessions.size();
    if (live == 0 && it->second.use_count() == 1) {  // weights freed, nobody opening it: forget the file
      it = entries_.erase(it);
      continue;
    }
    out.push_back({{"path", e.path}, {"sessions", live}, {"loads", e.loads}, {"reuses", e.reuses}});
    ++it;
  }
  return out;
}

void SharedLlms::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

}  // namespace npu::npud
