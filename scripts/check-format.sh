#!/usr/bin/env bash
# Fails when a C++ file differs from what clang-format-15 (Debian's, with the
# root .clang-format) makes of it, naming the files. `make test` runs it
# (CTest style.clang_format); fix with:
#   git ls-files '*.cpp' '*.h' | xargs clang-format-15 -i
set -euo pipefail
cd "$(dirname "$0")/.."
if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cpp' '*.h')
else
  mapfile -t files < <(find daemon tests bench -name '*.cpp' -o -name '*.h')
fi
bad=()
for f in "${files[@]}"; do
  if ! clang-format-15 --dry-run --Werror "$f" > /dev/null 2>&1; then
    bad+=("$f")
  fi
done
if ((${#bad[@]})); then
  echo "not as clang-format-15 leaves them (${#bad[@]}):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "${#files[@]} files as clang-format-15 leaves them"
