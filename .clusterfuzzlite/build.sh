#!/bin/bash -eu
# Builds tests/fuzz's target with the engine and sanitizer flags OSS-Fuzz / ClusterFuzzLite
# pass ($CC, $CXX, $CFLAGS, $CXXFLAGS, $LIB_FUZZING_ENGINE) and ships it with its seed
# corpus. The shared libraries it needs (Boost.Context, oneTBB's malloc) go next to it,
# since the runner image does not have them.
cmake -S "$SRC/ntos-hosted" -B build -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DNTOS_BUILD_TESTS=OFF -DNTOS_BUILD_TOOLS=OFF -DNTOS_BUILD_FUZZ=ON -DNTOS_FUZZ_INSTRUMENT=OFF \
  -DNTOS_FUZZ_ENGINE="$LIB_FUZZING_ENGINE"
cmake --build build --target ntos_fuzz
cp build/tests/fuzz/ntos_fuzz "$OUT/"
mkdir -p "$OUT/lib"
for lib in $(ldd build/tests/fuzz/ntos_fuzz | awk '/boost_context|tbb/ { print $3 }'); do
  cp "$lib" "$OUT/lib/"
done
patchelf --set-rpath '$ORIGIN/lib' "$OUT/ntos_fuzz"
zip -j "$OUT/ntos_fuzz_seed_corpus.zip" "$SRC/ntos-hosted/tests/fuzz/corpus/"*
