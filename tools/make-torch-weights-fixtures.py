#!/usr/bin/env python3
"""Write the .pth fixtures of `actfusion convert-weights`'s tests (run once, output committed).

    /usr/bin/python3 tools/make-torch-weights-fixtures.py packages/experiments/test/fixtures/torch-weights

Needs torch and torchvision (CI does not run this; the tests read the committed files):
  mixed.pth / mixed.json   a state dict of every storage type the converter reads, a transposed
                           (non-contiguous) view, a view at a storage offset sharing its storage,
                           a 0-d int64, an nn.Parameter; the JSON holds torch's own values
  legacy.pth               the same kind of dict in the legacy (non-zip) format, which is refused
  nested.pth / nested.json a training checkpoint {"model": state dict, "optimizer": Adam's state
                           (tensors, ints, floats, lists), "epoch": 3, "extra": {"state_dict": ...}}
                           for `convert-weights --key`; the JSON holds the model's values and the
                           torch version that wrote it
  resnet-w2.pth / .json    torchvision resnet18's state dict cut to width 2 (channels 2-4-8-16,
                           what `backbone: resnet-tiny, width: 2` builds) with random batch-norm
                           statistics, fc cut to [10, 16]; the JSON holds each tensor's shape, sum
                           and first values
"""
import collections
import json
import os
import sys

import torch
import torchvision


def values(t):
    t = t.detach()
    if t.dtype == torch.bool:
        t = t.to(torch.int32)
    return t.to(torch.float64).flatten().tolist() if t.is_floating_point() else t.flatten().tolist()


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    base = torch.randn(24)
    grid = torch.randn(3, 5)
    mixed = collections.OrderedDict()
    mixed["conv.weight"] = torch.randn(4, 3, 3, 3)
    mixed["transposed"] = grid.t()  # stride (1, 5): non-contiguous
    mixed["shared_base"] = base
    mixed["offset_view"] = base[5:11].view(2, 3)  # storage offset 5, same storage
    mixed["strided"] = base[::4]  # stride 4
    mixed["half"] = torch.tensor([0.5, -1.25, 3.0e-5, 65504.0, -0.0], dtype=torch.float16)
    mixed["bfloat16"] = torch.tensor([1.5, -2.0, 3.14159, 1e30], dtype=torch.bfloat16)
    mixed["double"] = torch.tensor([1.0 / 3.0, -2.5, 1e-8], dtype=torch.float64)
    mixed["bn.num_batches_tracked"] = torch.tensor(12345, dtype=torch.long)
    mixed["ints"] = torch.tensor([[-7, 8], [2**31 - 1, -(2**31)]], dtype=torch.int32)
    mixed["mask"] = torch.tensor([True, False, True])
    mixed["param"] = torch.nn.Parameter(torch.randn(2, 2))
    mixed._metadata = collections.OrderedDict([("", {"version": 1}), ("bn", {"version": 2})])
    torch.save(mixed, os.path.join(out, "mixed.pth"))
    json.dump({k: {"shape": list(v.shape), "values": values(v)} for k, v in mixed.items()}, open(os.path.join(out, "mixed.json"), "w"))
    torch.save(collections.OrderedDict(w=torch.ones(2)), os.path.join(out, "legacy.pth"), _use_new_zipfile_serialization=False)

    torch.manual_seed(2)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Flatten(), torch.nn.Linear(4, 2))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    net(torch.randn(2, 3, 3, 3)).sum().backward()
    opt.step()
    inner = collections.OrderedDict(("head." + k, v.clone()) for k, v in net.state_dict().items() if k.startswith("3."))
    nested = {"model": net.state_dict(), "optimizer": opt.state_dict(), "epoch": 3, "extra": {"state_dict": inner}}
    torch.save(nested, os.path.join(out, "nested.pth"))
    json.dump({"torch": torch.__version__, "model": {k: {"shape": list(v.shape), "values": values(v)} for k, v in net.state_dict().items()},
               "extra.state_dict": {k: {"shape": list(v.shape), "values": values(v)} for k, v in inner.items()}},
              open(os.path.join(out, "nested.json"), "w"))

    torch.manual_seed(1)
    m = torchvision.models.resnet18(weights=None)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.2, 0.2)
                mod.running_var.uniform_(0.5, 1.5)
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.2, 0.2)
    cut = collections.OrderedDict()
    for k, v in m.state_dict().items():
        if k == "fc.weight":
            v = v[:10, :16]
        elif k == "fc.bias":
            v = v[:10]
        elif v.dim() == 4:
            v = v[: v.shape[0] // 32, : (v.shape[1] if v.shape[1] == 3 else v.shape[1] // 32)]
        elif v.dim() == 1:
            v = v[: v.shape[0] // 32]
        cut[k] = v.clone()
    torch.save(cut, os.path.join(out, "resnet-w2.pth"))
    summary = {k: {"shape": list(v.shape), "sum": float(v.to(torch.float64).sum()), "first": values(v)[:4]} for k, v in cut.items()}
    json.dump(summary, open(os.path.join(out, "resnet-w2.json"), "w"), indent=0)
    print(f"wrote mixed ({len(mixed)}), legacy, nested, resnet-w2 ({len(cut)} tensors) to {out} with torch {torch.__version__}")


if __name__ == "__main__":
    main(sys.argv[1])
