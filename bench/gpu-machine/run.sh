#!/usr/bin/env bash
# The one prepared script for a GPU machine that has no network and no Node (issue 11 item 6, issue 9
# item 7). It unpacks the kit that bench/gpu-machine/pack.ts made (node + an esbuild bundle of the
# engine + dawn.node + koffi) and, each step under its own timeout so one hang cannot eat the lease:
#   1. the machine: GPU, driver, Vulkan loader and driver manifests as found;
#   2. the backend probe (`earlybird gpu --json`) as found, then with the Vulkan loader carried in
#      .gl/ (Debian's libvulkan1, and libglvnd's libGLX/libEGL/libGLdispatch that NVIDIA's Vulkan
#      driver, libGLX_nvidia.so.0, is loaded through) and NVIDIA's manifest named, when missing;
#   3. NVML through the engine's own source (bench/gpu-machine/nvmlProbe.ts): idle, then during
#      4. issue 11's done-when command on webgpu (and on wasm, one worker, for the accuracy),
#      5. bench:train's webgpu rows,
#      6. a whole experiment on webgpu (every phase, energy metered by the adapter's NVML device);
#   7. with the time left, bench:train's wasm rows for K = 1, 2, 4, 8, 16 beside PyTorch on the CPU.
# Everything is logged to $OUT/log.txt; the figures land in $OUT as JSON/CSV.
#
#   bash .device/run.sh            (from the repository root; .device/ holds node.xz, kit.tar.xz, run.sh)
#   EB_DEADLINE_S=480              seconds the whole script may take (default 480)
#   EB_SKIP_WASM_BENCH=1, EB_SKIP_WEBGPU_BENCH=1   leave out step 7, step 5
#   EB_ONLY_WASM_BENCH=1           steps 1 and 7 only (the CPU kernels, issue 12)
#   EB_TRAIN_ARGS, EB_EXPERIMENT, EB_BENCH_MODELS, EB_WASM_WORKERS   smaller work for a local try
#                                  on SwiftShader (VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)
set -u
REPO=$(pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-/tmp/eb-out}
W=${EB_WORK:-/tmp/eb}
DEADLINE=${EB_DEADLINE_S:-480}
TRAIN_ARGS=${EB_TRAIN_ARGS:---train-limit 1000 --test-limit 500 --epochs 3}
EXPERIMENT=${EB_EXPERIMENT:-$REPO/bench/gpu-machine/webgpu-experiment.json}
BENCH_MODELS=${EB_BENCH_MODELS:-tiny,vgg-s}
WASM_WORKERS=${EB_WASM_WORKERS:-1,2,4,8,16}
mkdir -p "$OUT"
rm -rf "$W" && mkdir -p "$W"
exec > >(tee -a "$OUT/log.txt") 2>&1
T0=$(date +%s)
elapsed() { echo $(( $(date +%s) - T0 )); }
left() { echo $(( DEADLINE - $(elapsed) )); }
step() { echo; echo "=== [$(elapsed) s] $*"; }
# budget N: a timeout of N seconds, or what is left minus a margin when that is less.
budget() { local l=$(( $(left) - 10 )); [ "$1" -lt "$l" ] && echo "$1" || echo "$l"; }

step "unpack"
# xz and tar -J where present, else Python's lzma (the GPU image has python3).
unxz_to() { if command -v xz >/dev/null; then xz -dc "$1" > "$2"; else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],"wb"))' "$1" "$2"; fi; }
if [ -n "${EB_USE_SYSTEM_NODE:-}" ] && command -v node >/dev/null; then echo "node on PATH: $(node --version)"; else
  unxz_to "$HERE/node.xz" "$W/node" && chmod +x "$W/node" && export PATH="$W:$PATH" && echo "node from the kit: $(node --version)"; fi
if command -v xz >/dev/null; then tar -C "$W" -xJf "$HERE/kit.tar.xz"; else python3 -c 'import tarfile,sys; tarfile.open(sys.argv[1],"r:xz").extractall(sys.argv[2])' "$HERE/kit.tar.xz" "$W"; fi \
  || { echo "kit.tar.xz did not unpack"; exit 1; }
export EARLYBIRD_ENGINE=bundle EARLYBIRD_PYTHON=${EARLYBIRD_PYTHON:-python3}
K="$W/kit"
cd "$K"
EB="node bin/earlybird.mjs"
PROBE="node dist/engine/nvmlProbe.mjs"

step "machine"
nvidia-smi --query-gpu=name,driver_version,power.limit,power.draw,temperature.gpu,clocks.sm --format=csv 2>&1 || echo "no nvidia-smi"
echo "cores: $(nproc); kernel: $(uname -r); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
ldconfig -p | grep -i 'libvulkan' || echo "ldconfig: no libvulkan"
for d in /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d; do echo "$d: $(ls "$d" 2>/dev/null | tr '\n' ' ')"; done
ls /dev/nvidia* /dev/dri 2>&1 | tr '\n' ' '; echo

if [ -z "${EB_ONLY_WASM_BENCH:-}" ]; then
step "backend probe, as found"
timeout "$(budget 90)" $EB gpu --json
if ls "$REPO"/.gl/*.deb >/dev/null 2>&1; then
  echo "unpacking the Vulkan loader and libglvnd carried in .gl/"; for f in "$REPO"/.gl/*.deb; do dpkg -x "$f" /; done; ldconfig
fi
if ! ls /etc/vulkan/icd.d/*.json /usr/share/vulkan/icd.d/*.json >/dev/null 2>&1 && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  echo "naming NVIDIA's Vulkan manifest"; export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
NV=$(ldconfig -p | grep -m1 'libGLX_nvidia.so.0' | awk '{print $NF}')
[ -n "$NV" ] && { echo "NVIDIA's Vulkan driver: $NV; its missing libraries: $(ldd "$NV" | grep 'not found' | tr '\n' ' ')"; }
step "backend probe"
VK_LOADER_DEBUG=error,driver timeout "$(budget 90)" $EB gpu --json 2>&1 | grep -v '^DRIVER: *$' | tail -40 | tee "$OUT/probe.txt"

step "NVML, idle"
timeout "$(budget 30)" $PROBE --idle-seconds 5

step "done-when command on webgpu, under NVML"
timeout "$(budget 150)" $PROBE --idle-seconds 2 --samples-csv "$OUT/nvml-train.csv" -- \
  sh -c "$EB train --demo --backend webgpu $TRAIN_ARGS --json > '$OUT/train-webgpu.json'"
tail -c 600 "$OUT/train-webgpu.json"; echo
step "the same on wasm, one worker (the same algorithm)"
timeout "$(budget 120)" $EB train --demo --backend wasm --workers 1 $TRAIN_ARGS --json > "$W/train-wasm.json"
tail -c 300 "$W/train-wasm.json"; echo

step "bench:train, webgpu rows, under NVML"
[ -z "${EB_SKIP_WEBGPU_BENCH:-}" ] && timeout "$(budget 150)" $PROBE --idle-seconds 2 -- \
  sh -c "node dist/engine/benchTrain.mjs --backends webgpu --models $BENCH_MODELS --no-torch --no-profile --repeats 3 --json > '$OUT/bench-webgpu.txt'"
cat "$OUT/bench-webgpu.txt" | head -20

step "an experiment on webgpu, every phase, under NVML"
timeout "$(budget 240)" $PROBE --idle-seconds 2 -- \
  $EB run "$EXPERIMENT" --runs "$W/runs"
SUMMARY=$(ls "$W"/runs/*/summary.json 2>/dev/null | head -1)
if [ -n "$SUMMARY" ]; then
  cp "$SUMMARY" "$OUT/experiment-summary.json" && echo "summary: $SUMMARY"
  timeout "$(budget 60)" $EB report "$(dirname "$SUMMARY")" --out "$OUT/experiment-report.pdf"
fi

fi # EB_ONLY_WASM_BENCH

if [ -z "${EB_SKIP_WASM_BENCH:-}" ] && [ "$(left)" -gt 100 ]; then
  step "bench:train, wasm rows K = $WASM_WORKERS beside PyTorch (CPU), $(left) s left"
  timeout "$(budget 400)" node dist/engine/benchTrain.mjs --backends wasm --models $BENCH_MODELS --workers $WASM_WORKERS --repeats 2 --json > "$OUT/bench-wasm.txt"
  head -40 "$OUT/bench-wasm.txt"
fi
step "done"
