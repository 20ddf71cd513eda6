"""Batch-1 inference latency of the PyTorch peer (act_torch.ACT), as a long-lived process.

    /usr/bin/python3 tools/bench/act_torch_latency.py PRESET.json

builds the peer's model for the preset (eval mode, z = 0, random NCHW images in [0, 1]), prints
{"ready": true, "params": N, "impl": ...}, then answers one line per command read on stdin:
    threads T   -> torch.set_num_threads(T); {"threads": T}
    run N       -> one untimed call, then N timed calls; {"ms": [N wall times], "cpu_ms": [N process CPU times]}
so a benchmark can alternate it with other runtimes in the same minutes.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
from act_torch import ACT  # noqa: E402


def main():
    cfg = json.load(open(sys.argv[1]))
    torch.manual_seed(0)
    m = ACT(cfg)
    m.eval()
    params = sum(p.numel() for p in m.parameters())
    state = torch.randn(1, cfg["state_dim"])
    images = torch.rand(1, cfg["cameras"], 3, cfg["height"], cfg["width"])
    print(json.dumps({"ready": True, "params": params, "impl": "pytorch-" + torch.__version__}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "threads":
            torch.set_num_threads(int(words[1]))
            print(json.dumps({"threads": torch.get_num_threads()}), flush=True)
        elif words[0] == "run":
            n = int(words[1])
            times, cpu = [], []
            with torch.no_grad():
                m(state, images)
                for _ in range(n):
                    t, c = time.perf_counter(), time.process_time()
                    m(state, images)
                    times.append((time.perf_counter() - t) * 1000)
                    cpu.append((time.process_time() - c) * 1000)
            print(json.dumps({"ms": times, "cpu_ms": cpu}), flush=True)
        else:
            print(json.dumps({"error": "unknown command " + words[0]}), flush=True)


if __name__ == "__main__":
    main()
