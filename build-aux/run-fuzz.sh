#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Build the libFuzzer targets (clang, ASan+UBSan) in build-fuzz/ and run
# each for a bounded time over a copy of its seed corpus.
#
# Usage: build-aux/run-fuzz.sh [SECONDS-PER-TARGET] [TARGET...]
#   targets: response records (default: all)
# A crash leaves crash-*/leak-*/timeout-* files in build-fuzz/fuzz-out/TARGET/
# and makes the script exit 1.  Minimise one with
#   build-fuzz/tests/fuzz/fuzz-TARGET -minimize_crash=1 -runs=10000 FILE
# and add it to tests/fuzz/corpus/TARGET/ once fixed.
#
# Environment: CLANG (default: clang, then clang-14..19),
# FUZZ_FATAL_CRITICALS=0 to let g_critical() through instead of aborting.
set -uo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${1:-30}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(response records)

CLANG=${CLANG:-}
if [ -z "$CLANG" ]; then
  for c in clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14; do
    if command -v "$c" >/dev/null 2>&1; then CLANG=$c; break; fi
  done
fi
if [ -z "$CLANG" ]; then
  echo "run-fuzz: SKIP: clang not found (install clang, e.g. apt-get install clang-14)" >&2
  exit 0
fi
# libFuzzer ships with clang's compiler-rt; check that it links.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput (const uint8_t *d, size_t n) { return 0; }\n' > "$probe/p.c"
if ! "$CLANG" -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" >/dev/null 2>&1; then
  echo "run-fuzz: SKIP: $CLANG cannot link -fsanitize=fuzzer (libFuzzer/compiler-rt missing)" >&2
  exit 0
fi

BUILD=build-fuzz
if [ ! -f $BUILD/build.ninja ]; then
  CC=$CLANG CFLAGS="-fsanitize=fuzzer-no-link" \
    meson setup $BUILD -Dapp=false -Dfuzzing=true \
      -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized >/dev/null || exit 1
fi
targets_ninja=()
for t in "${TARGETS[@]}"; do targets_ninja+=("tests/fuzz/fuzz-$t"); done
ninja -C $BUILD "${targets_ninja[@]}" || exit 1

if [ "${FUZZ_FATAL_CRITICALS:-1}" = 1 ]; then
  export G_DEBUG=fatal-criticals
else
  unset G_DEBUG
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1:fast_unwind_on_malloc=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"

status=0
for t in "${TARGETS[@]}"; do
  out=$BUILD/fuzz-out/$t
  mkdir -p "$out/corpus"
  cp -n tests/fuzz/corpus/$t/* "$out/corpus/" 2>/dev/null || true
  echo "run-fuzz: $t for ${SECONDS_PER_TARGET}s"
  if ! $BUILD/tests/fuzz/fuzz-$t "$out/corpus" \
         -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
         -artifact_prefix="$out/" -print_final_stats=1 > "$out/log.txt" 2>&1; then
    echo "run-fuzz: $t FAILED; artifacts in $out/, log $out/log.txt:" >&2
    grep -E "ERROR|CRITICAL|runtime error|Test unit written|SUMMARY" "$out/log.txt" | head -20 >&2
    grep -m 5 -E "#[0-9]+ .* in .*(src/xenapi|tests/fuzz)/" "$out/log.txt" | sed 's/ (BuildId.*//' >&2
    status=1
  fi
  grep -E "^stat::number_of_executed_units|^Done|^#[0-9]+ *DONE" "$out/log.txt" | sed "s/^/run-fuzz: $t: /"
done
exit $status
