// Scope stack: declarations shadow outer ones until their scope closes.
#include "scopes.hpp"

namespace progmp::lang {

void Scopes::push() { declared_.emplace_back(); }

void Scopes::pop() {
  for (std::string_view name : declared_.back()) {
    auto it = by_name_.find(name);
    it->second.pop_back();
    if (it->second.empty()) by_name_.erase(it);
  }
  declared_.pop_back();
}

void Scopes::declare(std::string_view name, SlotId slot) {
  by_name_[name].push_back(Decl{slot, static_cast<std::uint32_t>(declared_.size())});
  declared_.back().push_back(name);
}

std::optional<SlotId> Scopes::lookup(std::string_view name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second.back().slot;
}

std::optional<SlotId> Scopes::in_current(std::string_view name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end() || it->second.back().scope != declared_.size()) return std::nullopt;
  return it->second.back().slot;
}

void Scopes::visible_names(std::vector<std::string_view>& out) const {
  for (const auto& [name, decls] : by_name_) out.push_back(name);
}

}  // namespace progmp::lang
