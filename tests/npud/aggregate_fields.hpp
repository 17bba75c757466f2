// The number of fields of an aggregate struct, counted at compile time: the most initializers
// `T{...}` accepts. Lets a test notice a field added to a struct and forgotten elsewhere.
// Holds for aggregates whose members are not themselves aggregates (brace elision would count
// their members too); a base class counts as one initializer.
#pragma once

#include <cstddef>
#include <type_traits>

namespace npu::test {

struct AnyInitializer {
  template <class T>
  operator T() const;  // only named in unevaluated contexts, never defined
};

template <class T, class... Inits>
constexpr std::size_t aggregate_field_count() {
  static_assert(std::is_aggregate_v<T>);
  if constexpr (requires { T{Inits{}..., AnyInitializer{}}; }) {
    return aggregate_field_count<T, Inits..., AnyInitializer>();
  } else {
    return sizeof...(Inits);
  }
}

}  // namespace npu::test
