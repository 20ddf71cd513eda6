#!/usr/bin/env python3
"""Parity fixtures from the PyTorch peer (act_torch.py beside this file), with weights scaled so
that every part of the network matters to the output.

act_torch.py --export fills every tensor with N(0, 0.05^2); through a ResNet that shrinks the
image features to ~1e-7 and the layer norms scale every token by ~0.05, so in its parity.json the
chunk hardly depends on the images (replacing them moves it by ~1e-6): it cannot tell a right
backbone from a wrong one. This script builds the same peer model (act_torch.ACT) and writes the
same three files in the same layout (act_torch.write_safetensors, the same config.json and
parity.json fields), but with weights at the scales a trained network has: He N(0, 2/fan_in) for
convolutions, N(0, 1/fan_in) for linear maps, N(0, 1) for embeddings, layer-norm and frozen-BN
scales near 1, small biases; inputs N(0, 1). It prints how far the chunk moves
when the images are replaced, so a fixture that ignores its images is noticed.

Usage: export_parity.py PRESET.json --export DIR [--seed S]
"""
import json, math, os, sys
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import act_torch  # noqa: E402


def main():
    cfg = json.load(open(sys.argv[1]))
    args = sys.argv[2:]
    out_dir = args[args.index("--export") + 1]
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 0
    torch.manual_seed(0)
    m = act_torch.ACT(cfg)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in m.named_parameters():
            if "embed" in name:  # nn.Embedding's own init, N(0, 1)
                p.copy_(torch.randn(p.shape, generator=g))
            elif p.dim() > 1:  # He for convolutions, 1/fan_in variance for linear maps
                fan_in = p[0].numel()
                gain = 2.0 if p.dim() == 4 else 1.0
                p.copy_(torch.randn(p.shape, generator=g) * math.sqrt(gain / fan_in))
            elif ".norm" in name and name.endswith("weight"):  # LayerNorm scale near 1
                p.copy_(1.0 + torch.randn(p.shape, generator=g) * 0.1)
            else:  # biases
                p.copy_(torch.randn(p.shape, generator=g) * 0.1)
        for name, buf in m.named_buffers():
            if "pos_enc" in name:
                continue
            if name.endswith("running_var"):
                buf.copy_(torch.rand(buf.shape, generator=g) + 0.5)
            elif name.endswith("weight"):
                buf.copy_(1.0 + torch.randn(buf.shape, generator=g) * 0.1)
            else:  # running_mean, bias
                buf.copy_(torch.randn(buf.shape, generator=g) * 0.1)
    os.makedirs(out_dir, exist_ok=True)
    act_torch.write_safetensors(os.path.join(out_dir, "model.safetensors"), {"model." + k: v for k, v in m.state_dict().items()})
    # config.json exactly as act_torch.export writes it
    act_torch_export_config(cfg, out_dir)
    m.eval()
    cams = [f"observation.images.cam{i}" for i in range(cfg["cameras"])]
    state = torch.randn(2, cfg["state_dim"], generator=g)
    images = torch.randn(2, cfg["cameras"], 3, cfg["height"], cfg["width"], generator=g)
    with torch.no_grad():
        out = m(state, images)[0]
        other = m(state, torch.randn(images.shape, generator=g))[0]
    json.dump({"observation.state": state.tolist(),
               "images": {k: images[:, i].tolist() for i, k in enumerate(cams)},
               "action": out.tolist()}, open(os.path.join(out_dir, "parity.json"), "w"))
    print(json.dumps({"exported": out_dir, "params": sum(p.numel() for p in m.parameters()),
                      "max_abs_action": out.abs().max().item(),
                      "max_change_with_other_images": (out - other).abs().max().item()}))


def act_torch_export_config(cfg, out_dir):
    cams = [f"observation.images.cam{i}" for i in range(cfg["cameras"])]
    json.dump({
        "type": "act", "chunk_size": cfg["chunk"], "n_action_steps": cfg["chunk"],
        "vision_backbone": "resnet18", "pre_norm": False, "dim_model": cfg["dim_model"],
        "n_heads": cfg["n_heads"], "dim_feedforward": cfg["dim_feedforward"],
        "feedforward_activation": "relu", "n_encoder_layers": cfg["enc_layers"],
        "n_decoder_layers": cfg["dec_layers"], "use_vae": True, "latent_dim": cfg["latent_dim"],
        "n_vae_encoder_layers": cfg["vae_layers"], "dropout": 0.1, "kl_weight": cfg.get("kl_weight", 10.0),
        "input_features": dict({"observation.state": {"type": "STATE", "shape": [cfg["state_dim"]]}},
                               **{k: {"type": "VISUAL", "shape": [3, cfg["height"], cfg["width"]]} for k in cams}),
        "output_features": {"action": {"type": "ACTION", "shape": [cfg["action_dim"]]}},
    }, open(os.path.join(out_dir, "config.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
