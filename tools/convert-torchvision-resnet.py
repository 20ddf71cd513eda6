#!/usr/bin/env python3
"""Write torchvision ResNet weights as safetensors for actfusion's `vision-resnet` `pretrained` option.

    python3 tools/convert-torchvision-resnet.py --arch resnet18 --weights IMAGENET1K_V1 --out resnet18.safetensors
    python3 tools/convert-torchvision-resnet.py --arch resnet18 --state-dict resnet18-f37072fd.pth --out resnet18.safetensors

The documented way is `actfusion convert-weights resnet18-f37072fd.pth resnet18.safetensors`
(TypeScript, no Python); this script stays as an independent writer for the parity test.
The first form downloads through torchvision (on a machine that can); the second converts a
state-dict file torchvision publishes (download.pytorch.org/models/resnet18-f37072fd.pth). Only
torch (and torchvision for the first form) are needed: the safetensors layout is written here
(8-byte little-endian header length, JSON header, raw little-endian float32 data). The project
itself never runs Python; this is a one-off conversion step.
"""
import argparse
import json
import struct

import torch


def save_safetensors(state, path):
    header, blobs, offset = {}, [], 0
    for name, tensor in state.items():
        t = tensor.detach().to(torch.float32).contiguous().cpu()
        data = t.numpy().astype('<f4').tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt", "source": "torchvision"}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", default="resnet18", choices=["resnet18", "resnet34"])
    p.add_argument("--weights", help="torchvision weights name, e.g. IMAGENET1K_V1 (downloads)")
    p.add_argument("--state-dict", help="a .pth state dict file instead of --weights")
    p.add_argument("--seed", type=int, help="no weights: a randomly initialised model with this seed (tests)")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    if a.state_dict:
        state = torch.load(a.state_dict, map_location="cpu")
    else:
        import torchvision

        if a.seed is not None:
            torch.manual_seed(a.seed)
        model = getattr(torchvision.models, a.arch)(weights=a.weights)
        state = model.state_dict()
    state = {k: v for k, v in state.items() if not k.startswith("fc.") and not k.endswith("num_batches_tracked")}
    save_safetensors(state, a.out)
    print(f"wrote {len(state)} tensors to {a.out}")


if __name__ == "__main__":
    main()
