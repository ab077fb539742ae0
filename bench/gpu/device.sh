#!/usr/bin/env bash
# The WebGPU training step on a real GPU, against tfjs-wasm and PyTorch on the same machine (issue 25).
# Runs on an NVIDIA GPU machine with Python, PyTorch and CUDA but no Node, from a copy of the repository that holds
# `.devbench` and `.gl` (both made by bench/gpu/pack.sh). Each result is one JSON line in $OUT/gpu.jsonl, written as soon as
# it is measured; progress and errors go to $OUT/log.txt. bench/gpu/results-h200.json keeps what came back.
set -u
OUT=${OUT:-/tmp/xlir-gpu-out}
mkdir -p "$OUT"
log="$OUT/log.txt"
results="$OUT/gpu.jsonl"
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
# X client libraries that NVIDIA's Vulkan ICD (libGLX_nvidia) may link, unpacked aside, not over the image
for f in .gl/x/*.deb; do [ -f "$f" ] && dpkg -x "$f" /tmp/xlibs; done
export LD_LIBRARY_PATH=/tmp/xlibs/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
work=/tmp/xlir-gpu
mkdir -p "$work/node_modules/webgpu/dist/linux-x64"
python3 - "$work" <<'PY'
import lzma, shutil, sys
work = sys.argv[1]
for src, dst in ((".devbench/node.xz", f"{work}/node"), (".devbench/dawn.node.xz", f"{work}/node_modules/webgpu/dist/linux-x64/dawn.node")):
    with lzma.open(src) as a, open(dst, "wb") as b:
        shutil.copyfileobj(a, b)
PY
chmod +x "$work/node"
cp .devbench/nodeTrain.mjs .devbench/*.wasm "$work/"
cp .devbench/node_modules/webgpu/* "$work/node_modules/webgpu/"
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd"; fi
{
  echo "== machine $(date -u +%FT%TZ)"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv
  ls /usr/local/nvidia/share/vulkan/icd.d /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>&1
  ldd "$(ldconfig -p | grep -m1 -o '/.*libGLX_nvidia.so.0')" | grep -i 'not found'
  nproc; grep -m1 'model name' /proc/cpuinfo; "$work/node" --version
  python3 -c 'import torch; print("torch", torch.__version__, torch.version.cuda)'
} >>"$log" 2>&1

# one measurement: id, timeout in seconds, then the command; its BENCH_RESULT (node) or JSON line (python) is kept
measure() {
  local id=$1 limit=$2
  shift 2
  # XLIR_GPU_ONLY=regex measures only the matching ids (a rerun of what failed)
  [[ -n "${XLIR_GPU_ONLY:-}" && ! "$id" =~ $XLIR_GPU_ONLY ]] && return
  echo "== $id $(date -u +%T)" >>"$log"
  local t0=$SECONDS out line
  out=$(timeout "$limit" "$@" 2>>"$log")
  echo "exit $? after $((SECONDS - t0)) s" >>"$log"
  line=$(printf '%s\n' "$out" | grep -E '^(BENCH_RESULT )?\{' | tail -1)
  line=${line#BENCH_RESULT }
  if [ -n "$line" ]; then echo "{\"id\":\"$id\",\"result\":$line}" >>"$results"; else echo "{\"id\":\"$id\",\"result\":null}" >>"$results"; fi
}
node_job=("$work/node" "$work/nodeTrain.mjs")
demo='"hidden":128,"layers":4,"heads":4,"intermediate":512,"vocab":16000,"seq":64'
bert='"hidden":768,"layers":2,"heads":12,"intermediate":3072,"vocab":16000,"seq":64'

# most valuable first: the run returns whatever was measured when its time limit strikes
measure node/webgpu/matmul-1024 60 "${node_job[@]}" '{"kind":"matmul","backend":"webgpu","n":1024,"repeats":10}'
measure node/webgpu/demo 120 "${node_job[@]}" '{"kind":"train","backend":"webgpu","shape":"demo","dropout":0,"warmup":3,"repeats":10,"maxSeconds":30}'
measure node/webgpu/demo-per-variable-adamw 120 "${node_job[@]}" '{"kind":"train","backend":"webgpu","shape":"demo","dropout":0,"warmup":3,"repeats":10,"maxSeconds":30,"fusedOptimizer":false}'
measure pytorch/cuda-tf32-false/demo 90 python3 bench/reference/train_step.py "{$demo,\"batch\":32,\"threads\":1,\"warmup\":5,\"repeats\":20,\"device\":\"cuda\",\"tf32\":false}"
measure node/webgpu/bert-base-2l 120 "${node_job[@]}" '{"kind":"train","backend":"webgpu","shape":"bert-base-2l","dropout":0,"warmup":3,"repeats":10,"maxSeconds":30}'
measure node/webgpu/bert-base-2l-per-variable-adamw 120 "${node_job[@]}" '{"kind":"train","backend":"webgpu","shape":"bert-base-2l","dropout":0,"warmup":3,"repeats":10,"maxSeconds":30,"fusedOptimizer":false}'
measure pytorch/cuda-tf32-false/bert-base-2l 90 python3 bench/reference/train_step.py "{$bert,\"batch\":32,\"threads\":1,\"warmup\":5,\"repeats\":20,\"device\":\"cuda\",\"tf32\":false}"
measure pytorch/cuda-tf32-true/demo 90 python3 bench/reference/train_step.py "{$demo,\"batch\":32,\"threads\":1,\"warmup\":5,\"repeats\":20,\"device\":\"cuda\",\"tf32\":true}"
measure pytorch/cuda-tf32-true/bert-base-2l 90 python3 bench/reference/train_step.py "{$bert,\"batch\":32,\"threads\":1,\"warmup\":5,\"repeats\":20,\"device\":\"cuda\",\"tf32\":true}"
for tf32 in false true; do
  measure "peak/pytorch-cuda-tf32-$tf32" 60 python3 bench/reference/matmul_peak.py "{\"sizes\":[1024,4096,8192],\"threads\":1,\"repeats\":10,\"device\":\"cuda\",\"tf32\":$tf32}"
done
measure node/webgpu/matmul-4096 60 "${node_job[@]}" '{"kind":"matmul","backend":"webgpu","n":4096,"repeats":5}'
measure node/wasm/demo 120 "${node_job[@]}" '{"kind":"train","backend":"wasm","shape":"demo","dropout":0,"warmup":1,"repeats":3,"maxSeconds":60,"patch":"transpose-matmul+share-identity"}'
threads=$(nproc)
measure "pytorch/cpu-$threads/demo" 90 python3 bench/reference/train_step.py "{$demo,\"batch\":32,\"threads\":$threads,\"warmup\":2,\"repeats\":5}"
measure pytorch/cpu-1/demo 90 python3 bench/reference/train_step.py "{$demo,\"batch\":32,\"threads\":1,\"warmup\":1,\"repeats\":3}"
measure "pytorch/cpu-$threads/bert-base-2l" 90 python3 bench/reference/train_step.py "{$bert,\"batch\":32,\"threads\":$threads,\"warmup\":1,\"repeats\":3}"
measure node/wasm/bert-base-2l-b8 150 "${node_job[@]}" '{"kind":"train","backend":"wasm","shape":"bert-base-2l","batch":8,"dropout":0,"warmup":0,"repeats":1,"maxSeconds":1,"patch":"transpose-matmul+share-identity"}'
# how the step scales with the batch (fixed per-op costs vs work), and where a WebGPU step spends its time
measure node/webgpu/demo-b128 120 "${node_job[@]}" '{"kind":"train","backend":"webgpu","shape":"demo","batch":128,"dropout":0,"warmup":2,"repeats":5,"maxSeconds":30}'
measure node/webgpu/bert-base-2l-b128 120 "${node_job[@]}" '{"kind":"train","backend":"webgpu","shape":"bert-base-2l","batch":128,"dropout":0,"warmup":2,"repeats":5,"maxSeconds":30}'
measure pytorch/cuda-tf32-false/demo-b128 90 python3 bench/reference/train_step.py "{$demo,\"batch\":128,\"threads\":1,\"warmup\":5,\"repeats\":20,\"device\":\"cuda\",\"tf32\":false}"
measure pytorch/cuda-tf32-false/bert-base-2l-b128 90 python3 bench/reference/train_step.py "{$bert,\"batch\":128,\"threads\":1,\"warmup\":5,\"repeats\":20,\"device\":\"cuda\",\"tf32\":false}"
measure profile/webgpu/demo 120 "${node_job[@]}" '{"kind":"profile","backend":"webgpu","shape":"demo","dropout":0,"repeats":3}'
measure profile/webgpu/bert-base-2l 120 "${node_job[@]}" '{"kind":"profile","backend":"webgpu","shape":"bert-base-2l","dropout":0,"repeats":3}'
measure profile/webgpu/demo-per-variable-adamw 120 "${node_job[@]}" '{"kind":"profile","backend":"webgpu","shape":"demo","dropout":0,"repeats":3,"fusedOptimizer":false}'
measure profile/webgpu/bert-base-2l-per-variable-adamw 120 "${node_job[@]}" '{"kind":"profile","backend":"webgpu","shape":"bert-base-2l","dropout":0,"repeats":3,"fusedOptimizer":false}'
echo "== done $(date -u +%T)" >>"$log"
python3 - "$results" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    x = r["result"] or {}
    print(r["id"], "|", round(x.get("medianMs") or x.get("median_ms") or 0, 2), "ms |", x.get("gflops") or [m.get("gflops") for m in x.get("matmul", [])])
PY
