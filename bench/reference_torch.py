#!/usr/bin/env python3
"""Reference PyTorch (CPU) training-throughput benchmark.

bench/train.ts runs this as a subprocess and compares TF.js throughput with it.

Models (fixed, batch 128):
  tiny  : 28x28x1  -> conv3x3x16 -> BN -> ReLU -> maxpool2
                    -> conv3x3x32 -> BN -> ReLU -> maxpool2 -> flatten -> linear 10
  vgg-s : 32x32x3  -> [conv32, conv32, pool, conv64, conv64, pool,
                      conv128, conv128, pool] -> flatten -> linear 10
All convs are 3x3, padding 1, no bias, each followed by BatchNorm2d + ReLU.

Training step = forward, cross-entropy loss, backward, SGD step
(lr 0.1, momentum 0.9, weight decay 1e-4), model in train mode, random input
and labels generated once from a fixed seed.

FLOPs: forward FLOPs per image = 2 x MACs of conv + linear layers, computed
from the layer shapes; training FLOPs = 3 x forward.

Usage:
  python3 bench/reference_torch.py [--models tiny,vgg-s] [--threads N]
      [--warmup 3] [--steps N|auto] [--repeats 3] [--json] [--tune-malloc]

--steps defaults to a fixed count per model (tiny 40, vgg-s 8); "auto"
calibrates each model to ~3 s per measurement.  The reported figure is the
median over --repeats measurements.  With --json, the last line of stdout is a
single JSON object:
  {"torchVersion": "...", "threads": N,
   "models": {"tiny": {"imagesPerSecond": x, "gflops": y, "msPerStep": z}, ...}}

--tune-malloc (opt-in) calls glibc mallopt() so freed activation buffers stay
in the heap; by default PyTorch runs as shipped, where on some machines each
step page-faults tens of MB of fresh memory (slow and noisy, see tune_malloc).
The JSON then also carries "mallocTuned": true|false.

It runs under the first Python that can import torch: $EARLYBIRD_PYTHON, then
python3 on PATH, then /usr/bin/python3 (Debian's python3-torch), re-executing
itself as needed; when none can, it says how to install PyTorch.
"""

import argparse
import json
import os
import statistics
import sys
import time

_SYSTEM_PYTHON = "/usr/bin/python3"
_TRIED = "EARLYBIRD_REFERENCE_TORCH_TRIED"
_INSTALL_HINT = (
    "apt-get install python3-torch (Debian/Ubuntu), or pip install torch and set "
    "EARLYBIRD_PYTHON to that python"
)


def _candidates():
    """The interpreters to try, in order: $EARLYBIRD_PYTHON, python3 on PATH, /usr/bin/python3."""
    import shutil

    found = [os.environ.get("EARLYBIRD_PYTHON"), shutil.which("python3"), _SYSTEM_PYTHON]
    return [p for p in found if p and os.path.exists(p)]


def _reexec_with_next():
    """Runs this script under the next untried candidate; returns only when none is left."""
    tried = [p for p in os.environ.get(_TRIED, "").split(os.pathsep) if p]
    tried.append(os.path.realpath(sys.executable))
    for python in _candidates():
        real = os.path.realpath(python)
        if real in tried:
            continue
        os.environ[_TRIED] = os.pathsep.join(tried)
        os.execv(python, [python, os.path.abspath(__file__)] + sys.argv[1:])
    return tried


# $EARLYBIRD_PYTHON comes first even when this interpreter could import torch.
_preferred = os.environ.get("EARLYBIRD_PYTHON")
if (
    _preferred
    and not os.environ.get(_TRIED)
    and os.path.exists(_preferred)
    and os.path.realpath(_preferred) != os.path.realpath(sys.executable)
):
    os.environ[_TRIED] = ""
    os.execv(_preferred, [_preferred, os.path.abspath(__file__)] + sys.argv[1:])

try:
    import torch
    import torch.nn as nn
except ImportError as _err:  # pragma: no cover - environment dependent
    _tried = _reexec_with_next()
    sys.stderr.write(
        "reference_torch.py: no Python here can import torch (%s; tried %s): %s\n"
        % (_err, ", ".join(_tried), _INSTALL_HINT)
    )
    sys.exit(2)


BATCH = 128
NUM_CLASSES = 10
SEED = 1234
LR = 0.1
MOMENTUM = 0.9
WEIGHT_DECAY = 1e-4
AUTO_TARGET_SECONDS = 3.0

# name -> (input (C, H, W), layer spec); ints are conv output channels, "M" is maxpool2
MODEL_SPECS = {
    "tiny": ((1, 28, 28), [16, "M", 32, "M"]),
    "vgg-s": ((3, 32, 32), [32, 32, "M", 64, 64, "M", 128, 128, "M"]),
}
DEFAULT_STEPS = {"tiny": 40, "vgg-s": 8}


def build_model(name):
    """Returns (model, input_shape, forward_flops_per_image)."""
    (c, h, w), spec = MODEL_SPECS[name]
    layers = []
    macs = 0
    for item in spec:
        if item == "M":
            layers.append(nn.MaxPool2d(2))
            h //= 2
            w //= 2
        else:
            layers += [
                nn.Conv2d(c, item, kernel_size=3, padding=1, bias=False),
                nn.BatchNorm2d(item),
                nn.ReLU(inplace=True),
            ]
            # padding 1, stride 1: output spatial size == input spatial size
            macs += h * w * item * 3 * 3 * c
            c = item
    features = c * h * w
    layers += [nn.Flatten(), nn.Linear(features, NUM_CLASSES)]
    macs += features * NUM_CLASSES
    return nn.Sequential(*layers), MODEL_SPECS[name][0], 2 * macs


def bench_model(name, warmup, steps, repeats):
    torch.manual_seed(SEED)
    model, in_shape, fwd_flops = build_model(name)
    model.train()
    opt = torch.optim.SGD(
        model.parameters(), lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY
    )
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(BATCH, *in_shape)
    y = torch.randint(0, NUM_CLASSES, (BATCH,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    def run(n):
        t0 = time.perf_counter()
        for _ in range(n):
            loss = step()
        loss.item()
        return time.perf_counter() - t0

    loss = None
    for _ in range(warmup):
        loss = step()
    if loss is not None and not torch.isfinite(loss).item():
        raise RuntimeError("%s: non-finite loss during warmup" % name)

    if steps == "auto":
        # calibrate from one timed step (after warmup), aim for ~3 s
        t = run(1)
        steps = max(1, min(10000, int(round(AUTO_TARGET_SECONDS / max(t, 1e-6)))))
    elif steps is None:
        steps = DEFAULT_STEPS[name]

    ms_per_step = [1000.0 * run(steps) / steps for _ in range(repeats)]
    ms = statistics.median(ms_per_step)
    train_flops = 3 * fwd_flops
    ips = BATCH * 1000.0 / ms
    return {
        "forwardFlopsPerImage": fwd_flops,
        "trainFlopsPerImage": train_flops,
        "steps": steps,
        "msPerStepAll": ms_per_step,
        "msPerStep": ms,
        "imagesPerSecond": ips,
        "gflops": ips * train_flops / 1e9,
    }


def tune_malloc():
    """Keep freed activation buffers in glibc's heap instead of returning them to
    the kernel: sets M_MMAP_THRESHOLD and M_TRIM_THRESHOLD via mallopt().  Without
    this, every training step re-faults (and the kernel re-zeroes) tens of MB of
    fresh pages, which on some machines costs more than the compute itself.
    Returns True on success (glibc only)."""
    import ctypes
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    ok = mallopt(M_MMAP_THRESHOLD, ctypes.c_int(1 << 30)) == 1
    ok = mallopt(M_TRIM_THRESHOLD, ctypes.c_int(2 ** 31 - 1)) == 1 and ok
    return ok


def positive_int(s):
    v = int(s)
    if v < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return v


def non_negative_int(s):
    v = int(s)
    if v < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return v


def steps_arg(s):
    if s == "auto":
        return s
    return positive_int(s)


def models_arg(s):
    names = [m.strip() for m in s.split(",") if m.strip()]
    bad = [m for m in names if m not in MODEL_SPECS]
    if bad or not names:
        raise argparse.ArgumentTypeError(
            "unknown model(s) %s; choose from %s" % (",".join(bad), ",".join(MODEL_SPECS))
        )
    return names


def main(argv=None):
    p = argparse.ArgumentParser(description="PyTorch CPU reference training throughput")
    p.add_argument("--models", type=models_arg, default=list(MODEL_SPECS),
                   help="comma-separated: tiny,vgg-s (default both)")
    p.add_argument("--threads", type=positive_int, default=1,
                   help="torch.set_num_threads (interop threads fixed at 1); default 1")
    p.add_argument("--warmup", type=non_negative_int, default=3, help="warmup steps (default 3)")
    p.add_argument("--steps", type=steps_arg, default=None,
                   help="steps per measurement, or 'auto' for ~3 s "
                        "(default fixed: tiny %d, vgg-s %d)" % (DEFAULT_STEPS["tiny"], DEFAULT_STEPS["vgg-s"]))
    p.add_argument("--repeats", type=positive_int, default=3,
                   help="measurements per model; the median is reported (default 3)")
    p.add_argument("--json", action="store_true", help="print a JSON object as the last line")
    p.add_argument("--tune-malloc", action="store_true",
                   help="opt-in: stop glibc malloc returning freed buffers to the kernel "
                        "(mallopt); off by default = plain PyTorch")
    args = p.parse_args(argv)

    malloc_tuned = False
    if args.tune_malloc:
        malloc_tuned = tune_malloc()
        if not malloc_tuned:
            sys.stderr.write("reference_torch.py: --tune-malloc: mallopt unavailable, ignored\n")

    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already set (only possible before any parallel work has run)

    results = {}
    for name in args.models:
        results[name] = bench_model(name, args.warmup, args.steps, args.repeats)

    print("PyTorch %s (CPU), threads=%d, interop=%d, batch=%d, malloc=%s"
          % (torch.__version__, torch.get_num_threads(), torch.get_num_interop_threads(), BATCH,
             "tuned" if malloc_tuned else "default"))
    hdr = "%-6s %12s %12s %6s %10s %10s %8s" % (
        "model", "fwd MFLOP/im", "trn MFLOP/im", "steps", "ms/step", "img/s", "GFLOP/s")
    print(hdr)
    print("-" * len(hdr))
    for name, r in results.items():
        print("%-6s %12.2f %12.2f %6d %10.2f %10.1f %8.2f" % (
            name, r["forwardFlopsPerImage"] / 1e6, r["trainFlopsPerImage"] / 1e6,
            r["steps"], r["msPerStep"], r["imagesPerSecond"], r["gflops"]))
    print("(median of %d repeats; training FLOPs = 3 x forward)" % args.repeats)

    if args.json:
        out = {
            "torchVersion": torch.__version__,
            "threads": args.threads,
            "mallocTuned": malloc_tuned,
            "models": {
                name: {
                    "imagesPerSecond": r["imagesPerSecond"],
                    "gflops": r["gflops"],
                    "msPerStep": r["msPerStep"],
                }
                for name, r in results.items()
            },
        }
        sys.stdout.flush()
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
