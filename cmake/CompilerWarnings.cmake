# rota_warnings: an INTERFACE target every rota target links, so the warning set
# lives in one place. ROTA_WARNINGS_AS_ERRORS (on in CI) turns them into errors.
# Not here: -Wnull-dereference, whose -O2 flow analysis reports false positives
# inside libstdc++ and Boost headers.
add_library(rota_warnings INTERFACE)
target_compile_options(rota_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Wunused -Woverloaded-virtual -Wconversion -Wsign-conversion
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  -Wmisleading-indentation
  # GCC only; clang (the fuzz preset) does not know them.
  $<$<CXX_COMPILER_ID:GNU>:-Wduplicated-cond -Wduplicated-branches -Wlogical-op>
  $<$<BOOL:${ROTA_WARNINGS_AS_ERRORS}>:-Werror>)
