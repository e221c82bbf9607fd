#!/usr/bin/env python3
"""The conformance zoo: exports many architectures to ONNX, with inputs and PyTorch's outputs for two shapes.

    python3 models/zoo/zoo.py OUT_DIR [--only name,name] [--ship-dir DIR] [--no-ort] [--list]

Every architecture is one Entry of ZOO (below, in one place): a name, a family, a builder that returns
(model, inputs for shape "a", inputs for shape "b", dynamic_axes, output_names[, extras]) and an opset.
For each entry, in its own try/except so that one failure never stops the run:

    OUT_DIR/NAME.onnx                          torch.onnx.export (TorchScript exporter, dynamo=False), shape a
    OUT_DIR/NAME/<a|b>/input.<name>.npy        the inputs of that shape
    OUT_DIR/NAME/<a|b>/output.<name>.npy       PyTorch's outputs for them (CPU, no_grad): the truth
    OUT_DIR/NAME/<a|b>/files.txt               the .npy files of the folder, sorted, one a line
    OUT_DIR/index.json                         every entry's record, rewritten after each entry

Weights are random (seeded per entry); norms get random statistics so that folding them is checked too.
Where onnxruntime is importable, each export is also run on its CPU provider and the largest difference
from PyTorch is recorded ("ort_cpu"): a zoo-side check of the exporter, not part of the truth.
See README.md for the format of index.json. ZOO_TRACEBACK=1 prints the traceback of each failing entry.
"""
import argparse
import copy
import gc
import inspect
import io
import json
import math
import os
import shutil
import sys
import time
import traceback
import warnings
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ALLOWED_DTYPES = {"float32", "float16", "int64", "int32", "int8", "uint8", "bool"}
ONNX_DTYPES = {1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64", 8: "string",
               9: "bool", 10: "float16", 11: "float64", 12: "uint32", 13: "uint64", 16: "bfloat16"}
SHIP_MAX_BYTES = 1 << 20
SHIP_TOTAL_BYTES = 4 << 20


def seed_of(name):
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


class Entry:
    def __init__(self, name, family, builder, opset=17, ship=False, data_dependent=(), seed=None):
        self.name, self.family, self.builder, self.opset = name, family, builder, opset
        self.ship, self.data_dependent = ship, list(data_dependent)
        self.seed = seed_of(seed or name)  # entries that share a seed string are the same model


def onnx_export(model, args, f, opset, input_names, output_names, dynamic_axes):
    """torch.onnx.export with the TorchScript exporter (dynamo=False where the argument exists).

    Not under torch.no_grad(), as users call it: under no_grad, nn.MultiheadAttention and nn.TransformerEncoderLayer
    take their fused "fast path", whose aten::_native_multi_head_attention has no ONNX export."""
    kwargs = dict(input_names=input_names, output_names=output_names, dynamic_axes=dynamic_axes,
                  opset_version=opset, do_constant_folding=True)
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, tuple(args), f, **kwargs)


# ---------------------------------------------------------------------------------------------------------------
# Builders. Each returns (model, inputs_a, inputs_b, dynamic_axes, output_names[, extras]); inputs are ordered dicts
# name -> tensor, in the order of the model's forward arguments. Imports of optional packages stay inside them.
# ---------------------------------------------------------------------------------------------------------------

def image(model, a, b, hw=False, classes=True):
    """An image classifier: input (N, 3, H, W) -> output (N, classes). a, b: (batch, height, width)."""
    axes = {"input": {0: "batch", **({2: "height", 3: "width"} if hw else {})}, "output": {0: "batch"}}
    return (model, {"input": torch.randn(a[0], 3, a[1], a[2])}, {"input": torch.randn(b[0], 3, b[1], b[2])},
            axes, ["output"])


def tv(name, a=(1, 224, 224), b=(2, 224, 224), hw=False, **kw):
    import torchvision
    return image(getattr(torchvision.models, name)(weights=None, **kw), a, b, hw)


def tv_resnext_small():
    from torchvision.models.resnet import Bottleneck, ResNet
    return image(ResNet(Bottleneck, [1, 1, 1, 1], groups=8, width_per_group=8, num_classes=100),
                 (1, 160, 160), (2, 160, 160))


def tv_densenet_small():
    from torchvision.models.densenet import DenseNet
    return image(DenseNet(growth_rate=16, block_config=(2, 3, 4, 3), num_init_features=32, num_classes=100),
                 (1, 128, 128), (2, 128, 128))


def tv_convnext_reduced():
    from torchvision.models.convnext import CNBlockConfig, ConvNeXt
    blocks = [CNBlockConfig(48, 96, 1), CNBlockConfig(96, 192, 1), CNBlockConfig(192, 384, 2), CNBlockConfig(384, None, 1)]
    return image(ConvNeXt(blocks, num_classes=100), (1, 128, 128), (2, 160, 128), hw=True)


def tv_swin_reduced():
    from torchvision.models.swin_transformer import SwinTransformer
    return image(SwinTransformer(patch_size=[4, 4], embed_dim=48, depths=[2, 2, 2, 2], num_heads=[2, 4, 8, 16],
                                 window_size=[7, 7], stochastic_depth_prob=0.0, num_classes=100),
                 (1, 224, 224), (2, 224, 224))


def tv_vit_reduced():
    from torchvision.models.vision_transformer import VisionTransformer
    return image(VisionTransformer(image_size=224, patch_size=16, num_layers=2, num_heads=4, hidden_dim=128,
                                   mlp_dim=256, num_classes=100), (1, 224, 224), (2, 224, 224))


def timm_model(name, a=(1, 224, 224), b=(2, 224, 224), unfused_attention=False, **kw):
    import timm
    model = timm.create_model(name, pretrained=False, **kw)
    if unfused_attention:  # attention written out (q * scale @ k^T, softmax, @ v) instead of scaled_dot_product_attention
        for module in model.modules():
            if hasattr(module, "fused_attn"):
                module.fused_attn = False
    return image(model, a, b)


class HfText(nn.Module):
    """A transformers model over (input_ids, attention_mask) whose one output is last_hidden_state."""

    def __init__(self, model, **call_kwargs):
        super().__init__()
        self.m, self.kw = model, call_kwargs

    def forward(self, input_ids, attention_mask):
        return self.m(input_ids=input_ids, attention_mask=attention_mask, **self.kw)[0]


def text_inputs(vocab, pad, low=3):
    """Token ids and mask: a 1x16 without padding, b 3x24 with padding (zeros at the end of rows 1 and 2)."""
    ids_a = torch.randint(low, vocab, (1, 16))
    ids_b = torch.randint(low, vocab, (3, 24))
    mask_b = torch.ones(3, 24, dtype=torch.int64)
    mask_b[1, 18:] = 0
    mask_b[2, 9:] = 0
    ids_b[mask_b == 0] = pad
    axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}, "output": {0: "batch", 1: "seq"}}
    return ({"input_ids": ids_a, "attention_mask": torch.ones(1, 16, dtype=torch.int64)},
            {"input_ids": ids_b, "attention_mask": mask_b}, axes)


def hf_text(kind):
    import transformers as T
    common = dict(vocab_size=1000, attn_implementation="eager")
    call = {}
    if kind == "bert":
        cfg = T.BertConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128,
                           max_position_embeddings=128, **common)
        make, pad = (lambda c: T.BertModel(c, add_pooling_layer=False)), 0
    elif kind == "distilbert":
        cfg = T.DistilBertConfig(dim=64, n_layers=2, n_heads=4, hidden_dim=128, max_position_embeddings=128, **common)
        make, pad = T.DistilBertModel, 0
    elif kind == "roberta":
        cfg = T.RobertaConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128,
                              max_position_embeddings=130, pad_token_id=1, **common)
        make, pad = (lambda c: T.RobertaModel(c, add_pooling_layer=False)), 1
    elif kind == "gpt2":
        cfg = T.GPT2Config(n_embd=64, n_layer=2, n_head=4, n_positions=128, use_cache=False, bos_token_id=1,
                           eos_token_id=2, **common)
        make, pad, call = T.GPT2Model, 0, {"use_cache": False}
    elif kind == "t5_encoder":
        cfg = T.T5Config(d_model=64, d_kv=16, d_ff=128, num_layers=2, num_heads=4, use_cache=False, **common)
        make, pad = T.T5EncoderModel, 0
    elif kind == "llama":
        cfg = T.LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                            num_key_value_heads=2, max_position_embeddings=128, use_cache=False, **common)
        make, pad, call = T.LlamaModel, 0, {"use_cache": False}
    else:
        raise ValueError(kind)
    try:
        cfg._attn_implementation = "eager"
    except Exception:
        pass
    a, b, axes = text_inputs(1000, pad)
    return HfText(make(cfg), **call), a, b, axes, ["output"]


class TorchEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(64, 4, 128, dropout=0.0, batch_first=True)
        try:
            self.enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        except TypeError:  # torch < 1.12
            self.enc = nn.TransformerEncoder(layer, 2)

    def forward(self, x, pad_mask):
        return self.enc(x, src_key_padding_mask=pad_mask)


def torch_encoder():
    """Batch 1 and 3 at one sequence length, 16: exported by torch 2.11, nn.MultiheadAttention's slow path (with a
    key padding mask) keeps the traced sequence length as a constant in a Reshape, so onnxruntime itself fails on
    another length (seen on the GPU machine: input {24,3,64}, requested {16,12,16}). The batch stays dynamic."""
    pad_b = torch.zeros(3, 16, dtype=torch.bool)
    pad_b[1, 12:] = True
    pad_b[2, 5:] = True
    axes = {"x": {0: "batch"}, "pad_mask": {0: "batch"}, "output": {0: "batch"}}
    return (TorchEncoder(), {"x": torch.randn(1, 16, 64), "pad_mask": torch.zeros(1, 16, dtype=torch.bool)},
            {"x": torch.randn(3, 16, 64), "pad_mask": pad_b}, axes, ["output"])


class Sdpa(nn.Module):
    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)


def sdpa():
    if not hasattr(F, "scaled_dot_product_attention"):
        raise RuntimeError("torch %s has no F.scaled_dot_product_attention" % torch.__version__)
    axes = {n: {0: "batch", 2: "seq"} for n in ("q", "k", "v", "output")}
    a = {n: torch.randn(1, 4, 16, 32) for n in ("q", "k", "v")}
    b = {n: torch.randn(2, 4, 24, 32) for n in ("q", "k", "v")}
    return Sdpa(), a, b, axes, ["output"]


class Rnn(nn.Module):
    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x):
        y, h = self.rnn(x)
        return y, (h[0] if isinstance(h, tuple) else h)


def rnn(cls, features=8, hidden=16, **kw):
    m = Rnn(cls(features, hidden, batch_first=True, **kw))
    axes = {"input": {0: "batch", 1: "steps"}, "output": {0: "batch", 1: "steps"}, "h_n": {1: "batch"}}
    return m, {"input": torch.randn(1, 10, features)}, {"input": torch.randn(2, 25, features)}, axes, ["output", "h_n"]


class TopK(nn.Module):
    def forward(self, x):
        return torch.topk(x, 5, dim=1)


def topk():
    axes = {"input": {0: "batch", 1: "n"}, "values": {0: "batch"}, "indices": {0: "batch"}}
    return TopK(), {"input": torch.randn(1, 100)}, {"input": torch.randn(3, 64)}, axes, ["values", "indices"]


class NonZero(nn.Module):
    def forward(self, x):
        return torch.nonzero(x > 0)


def nonzero():
    axes = {"input": {0: "batch", 1: "n"}, "indices": {0: "nnz"}}
    return NonZero(), {"input": torch.randn(1, 12)}, {"input": torch.randn(3, 20)}, axes, ["indices"]


class Nms(nn.Module):
    def forward(self, boxes, scores):
        import torchvision
        return torchvision.ops.nms(boxes, scores, 0.5)


def nms_boxes(n):
    xy = torch.rand(n, 2) * 25  # crowded: about half the boxes are suppressed
    wh = torch.rand(n, 2) * 15 + 10
    return torch.cat([xy, xy + wh], 1), torch.rand(n)


def nms():
    import torchvision  # noqa: F401  (registers the ONNX symbolic of torchvision::nms)
    ba, sa = nms_boxes(20)
    bb, sb = nms_boxes(50)
    axes = {"boxes": {0: "n"}, "scores": {0: "n"}, "keep": {0: "kept"}}
    return Nms(), {"boxes": ba, "scores": sa}, {"boxes": bb, "scores": sb}, axes, ["keep"]


class RoiAlign(nn.Module):
    def forward(self, features, rois):
        import torchvision
        return torchvision.ops.roi_align(features, rois, output_size=(4, 4), spatial_scale=0.5, sampling_ratio=2,
                                         aligned=True)


def roi_rois(k, batch):
    xy = torch.rand(k, 2) * 40
    wh = torch.rand(k, 2) * 20 + 2
    idx = torch.randint(0, batch, (k, 1)).float()
    return torch.cat([idx, xy, xy + wh], 1)


def roi_align():
    import torchvision  # noqa: F401
    axes = {"features": {0: "batch"}, "rois": {0: "k"}, "output": {0: "k"}}
    return (RoiAlign(), {"features": torch.randn(1, 8, 32, 32), "rois": roi_rois(5, 1)},
            {"features": torch.randn(2, 8, 32, 32), "rois": roi_rois(9, 2)}, axes, ["output"])


class Resize(nn.Module):
    def forward(self, x):
        return (F.interpolate(x, scale_factor=2.0, mode="nearest"),
                F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False))


def resize():
    d = {0: "batch", 2: "height", 3: "width"}
    o = {0: "batch", 2: "height2", 3: "width2"}
    return (Resize(), {"input": torch.randn(1, 3, 16, 16)}, {"input": torch.randn(2, 3, 20, 12)},
            {"input": d, "nearest": o, "bilinear": o}, ["nearest", "bilinear"])


def conv_block(i, o, norm="bn"):
    return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o) if norm == "bn" else nn.GroupNorm(4, o),
                         nn.ReLU())


class UNetTiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.e1, self.e2, self.mid = conv_block(3, 8), conv_block(8, 16, "gn"), conv_block(16, 32)
        self.up2, self.d2 = nn.ConvTranspose2d(32, 16, 2, stride=2), conv_block(32, 16, "gn")
        self.up1, self.d1 = nn.ConvTranspose2d(16, 8, 2, stride=2), conv_block(16, 8)
        self.head = nn.Conv2d(8, 2, 1)

    def forward(self, x):
        e1 = self.e1(x)
        e2 = self.e2(F.max_pool2d(e1, 2))
        m = self.mid(F.max_pool2d(e2, 2))
        d2 = self.d2(torch.cat([self.up2(m), e2], 1))
        d1 = self.d1(torch.cat([self.up1(d2), e1], 1))
        return self.head(d1)


def unet_tiny():
    d = {0: "batch", 2: "height", 3: "width"}
    return (UNetTiny(), {"input": torch.randn(1, 3, 32, 32)}, {"input": torch.randn(2, 3, 48, 32)},
            {"input": d, "output": d}, ["output"])


class AsppTiny(nn.Module):
    """A DeepLab-style head: strided backbone, dilated branches, a global-pool branch, bilinear resize to the input."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(conv_block(3, 16), nn.Conv2d(16, 16, 3, stride=2, padding=1), nn.ReLU(),
                                  nn.Conv2d(16, 16, 3, stride=2, padding=1), nn.ReLU())
        self.branches = nn.ModuleList([nn.Conv2d(16, 8, 3, padding=r, dilation=r) for r in (1, 2, 3)])
        self.pool = nn.Conv2d(16, 8, 1)
        self.head = nn.Conv2d(32, 3, 1)

    def forward(self, x):
        f = self.stem(x)
        g = F.interpolate(self.pool(F.adaptive_avg_pool2d(f, 1)), size=f.shape[-2:], mode="bilinear",
                          align_corners=False)
        y = self.head(torch.cat([b(f) for b in self.branches] + [g], 1))
        return F.interpolate(y, size=x.shape[-2:], mode="bilinear", align_corners=False)


def aspp_tiny():
    d = {0: "batch", 2: "height", 3: "width"}
    return (AsppTiny(), {"input": torch.randn(1, 3, 32, 32)}, {"input": torch.randn(2, 3, 40, 24)},
            {"input": d, "output": d}, ["output"])


def conv1d_stack():
    m = nn.Sequential(nn.Conv1d(4, 16, 5, stride=2, padding=2), nn.BatchNorm1d(16), nn.ReLU(),
                      nn.Conv1d(16, 16, 3, padding=1, groups=16), nn.Conv1d(16, 32, 1), nn.GELU(),
                      nn.Conv1d(32, 8, 3, dilation=2, padding=2))
    axes = {"input": {0: "batch", 2: "length"}, "output": {0: "batch", 2: "frames"}}
    return m, {"input": torch.randn(1, 4, 100)}, {"input": torch.randn(2, 4, 160)}, axes, ["output"]


N_FFT, HOP, N_MELS = 128, 32, 16


def mel_filters(n_freqs, n_mels):
    """Triangular filters over the frequency bins, (n_mels, n_freqs)."""
    edges = np.linspace(0, n_freqs - 1, n_mels + 2)
    bins = np.arange(n_freqs)[None, :]
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    w = np.maximum(0, np.minimum((bins - lo) / (mid - lo), (hi - bins) / (hi - mid)))
    return torch.tensor(w, dtype=torch.float32)


class StftMel(nn.Module):
    """Log-mel spectrogram through torch.stft (return_complex=False), center=True (reflect padding)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("window", torch.hann_window(N_FFT))
        self.register_buffer("mel", mel_filters(N_FFT // 2 + 1, N_MELS))

    def forward(self, x):
        s = torch.stft(x, N_FFT, hop_length=HOP, win_length=N_FFT, window=self.window, center=True,
                       pad_mode="reflect", normalized=False, onesided=True, return_complex=False)
        power = s[..., 0] ** 2 + s[..., 1] ** 2  # (B, freqs, frames)
        return torch.log(torch.matmul(self.mel, power) + 1e-6)


class ConvMel(nn.Module):
    """The same log-mel spectrogram with the DFT as a strided Conv1d of windowed cos/sin kernels."""

    def __init__(self):
        super().__init__()
        n = torch.arange(N_FFT, dtype=torch.float64)
        k = torch.arange(N_FFT // 2 + 1, dtype=torch.float64)[:, None]
        win = torch.hann_window(N_FFT, dtype=torch.float64)
        ang = 2 * math.pi * k * n / N_FFT
        kernels = torch.cat([torch.cos(ang) * win, -torch.sin(ang) * win], 0).float()[:, None, :]
        self.register_buffer("kernels", kernels)
        self.register_buffer("mel", mel_filters(N_FFT // 2 + 1, N_MELS))

    def forward(self, x):
        x = F.pad(x[:, None, :], (N_FFT // 2, N_FFT // 2), mode="reflect")
        s = F.conv1d(x, self.kernels, stride=HOP)
        re, im = s.split(N_FFT // 2 + 1, dim=1)
        return torch.log(torch.matmul(self.mel, re ** 2 + im ** 2) + 1e-6)


def spectrogram():
    axes = {"input": {0: "batch", 1: "samples"}, "output": {0: "batch", 2: "frames"}}
    a, b = torch.randn(1, 1024), torch.randn(2, 1600)
    try:  # the brief: torch.stft if it exports at opset 17, else the conv front end
        onnx_export(StftMel(), [a], io.BytesIO(), 17, ["input"], ["output"], axes)
        m, note = StftMel(), "front end: torch.stft"
    except Exception as e:
        m, note = ConvMel(), "front end: Conv1d DFT (torch.stft did not export: %s)" % one_line(e)[:160]
    return m, {"input": a}, {"input": b}, axes, ["output"], {"note": note}


class MultiIo(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(8, 8)

    def forward(self, x, ids, flag):
        h = self.lin(x)
        gathered = torch.gather(h, 1, ids)
        y = torch.where(flag[:, None], h * 2.0, -h) + gathered.sum(1, keepdim=True)
        count = (h > 0).sum(1).to(torch.int32)
        mask = (h > 0) & flag[:, None]
        half = (y * 0.5).to(torch.float16)
        return y, count, mask, half


def multi_io():
    def inputs(b):
        return {"x": torch.randn(b, 8), "ids": torch.randint(0, 8, (b, 4)),
                "flag": torch.arange(b) % 2 == 0}
    axes = {n: {0: "batch"} for n in ("x", "ids", "flag", "y", "count", "mask", "half")}
    return MultiIo(), inputs(1), inputs(3), axes, ["y", "count", "mask", "half"]


def fp16_mlp():
    m = nn.Sequential(nn.Linear(32, 64), nn.GELU(), nn.LayerNorm(64), nn.Linear(64, 16), nn.Softmax(-1)).half()
    axes = {"input": {0: "batch"}, "output": {0: "batch"}}
    return m, {"input": torch.randn(1, 32).half()}, {"input": torch.randn(4, 32).half()}, axes, ["output"]


def fp16_cnn():
    m = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.Conv2d(16, 16, 3, stride=2),
                      nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10)).half()
    axes = {"input": {0: "batch"}, "output": {0: "batch"}}
    return (m, {"input": torch.randn(1, 3, 32, 32).half()}, {"input": torch.randn(2, 3, 32, 32).half()}, axes,
            ["output"])


class ScalarOut(nn.Module):
    def forward(self, x):
        y = torch.tanh(x)
        return y, y.sum()


def scalar_output():
    axes = {"input": {0: "batch", 1: "n"}, "output": {0: "batch", 1: "n"}}
    return (ScalarOut(), {"input": torch.randn(1, 8)}, {"input": torch.randn(3, 5)}, axes, ["output", "total"])


class ScalarIn(nn.Module):
    def forward(self, x, scale):
        return x * scale + 1.0


def scalar_input():
    axes = {"x": {0: "batch"}, "output": {0: "batch"}}
    return (ScalarIn(), {"x": torch.randn(1, 6), "scale": torch.tensor(1.5)},
            {"x": torch.randn(4, 6), "scale": torch.tensor(-0.25)}, axes, ["output"])


class ZeroSize(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(8, 16)

    def forward(self, x):
        y = torch.relu(self.lin(x))
        return y, y.sum(1), x[:, 8:]


def zero_size():
    axes = {"input": {0: "batch"}, "output": {0: "batch"}, "total": {0: "batch"}, "empty": {0: "batch"}}
    return (ZeroSize(), {"input": torch.randn(2, 8)}, {"input": torch.randn(0, 8)}, axes,
            ["output", "total", "empty"])


class Uint8Image(nn.Module):
    """Image preprocessing in the graph: uint8 NHWC -> normalized float NCHW -> conv; also an int8 quantized copy."""

    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))
        self.conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)

    def forward(self, pixels):
        x = (pixels.permute(0, 3, 1, 2).float() / 255.0 - self.mean) / self.std
        y = torch.relu(self.conv(x))
        return y, torch.clamp(torch.round(y * 16.0), -128, 127).to(torch.int8)


def uint8_image():
    d = {0: "batch", 2: "height2", 3: "width2"}
    axes = {"pixels": {0: "batch", 1: "height", 2: "width"}, "output": d, "quantized": d}
    return (Uint8Image(), {"pixels": torch.randint(0, 256, (1, 32, 32, 3), dtype=torch.uint8)},
            {"pixels": torch.randint(0, 256, (2, 48, 40, 3), dtype=torch.uint8)}, axes, ["output", "quantized"])


class IndexOps(nn.Module):
    def forward(self, x, idx):
        return (torch.gather(x, 1, idx), torch.cumsum(x, 1), torch.argmax(x, 1), torch.where(x > 0, x, 0.1 * x))


def index_ops():
    axes = {"x": {0: "batch", 1: "n"}, "idx": {0: "batch", 1: "k"}, "gathered": {0: "batch", 1: "k"},
            "cumsum": {0: "batch", 1: "n"}, "argmax": {0: "batch"}, "leaky": {0: "batch", 1: "n"}}
    return (IndexOps(), {"x": torch.randn(1, 10), "idx": torch.randint(0, 10, (1, 3))},
            {"x": torch.randn(3, 17), "idx": torch.randint(0, 17, (3, 5))}, axes,
            ["gathered", "cumsum", "argmax", "leaky"])


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1, self.ln, self.l2, self.l3 = nn.Linear(16, 32), nn.LayerNorm(32), nn.Linear(32, 32), nn.Linear(32, 8)

    def forward(self, x):
        h = torch.relu(self.l2(F.gelu(self.ln(self.l1(x)))))
        return torch.softmax(self.l3(h), -1), h.mean(-1)


def mlp():
    axes = {"input": {0: "batch"}, "output": {0: "batch"}, "mean": {0: "batch"}}
    return Mlp(), {"input": torch.randn(1, 16)}, {"input": torch.randn(5, 16)}, axes, ["output", "mean"]


def P(f, *args, **kw):
    return lambda: f(*args, **kw)


# ---------------------------------------------------------------------------------------------------------------
# THE LIST. name, family, builder, opset (17 unless said), ship (tiny, copied by --ship-dir for CI on CPU),
# data_dependent (outputs whose shape depends on the input values), seed (a string; default the name).
# ---------------------------------------------------------------------------------------------------------------
ZOO = [
    # CNNs
    Entry("resnet18", "cnn", P(tv, "resnet18", b=(2, 160, 192), hw=True)),
    Entry("mobilenet_v3_small", "cnn", P(tv, "mobilenet_v3_small", b=(3, 224, 224))),
    Entry("efficientnet_b0", "cnn", P(tv, "efficientnet_b0")),
    Entry("convnext_atto", "cnn", P(timm_model, "convnext_atto")),
    Entry("convnext_tv_reduced", "cnn", tv_convnext_reduced),
    Entry("regnet_x_400mf", "cnn", P(tv, "regnet_x_400mf")),
    Entry("shufflenet_v2_x0_5", "cnn", P(tv, "shufflenet_v2_x0_5", b=(3, 224, 224))),
    Entry("resnext_grouped_small", "cnn", tv_resnext_small),
    Entry("densenet_small", "cnn", tv_densenet_small),
    Entry("mnasnet0_5", "cnn", P(tv, "mnasnet0_5")),
    Entry("squeezenet1_1", "cnn", P(tv, "squeezenet1_1", b=(2, 193, 201), hw=True)),
    # vision transformers
    Entry("vit_base_patch16_224", "vit", P(timm_model, "vit_base_patch16_224")),  # full size, as users have it
    Entry("vit_tiny_patch16_224", "vit", P(timm_model, "vit_tiny_patch16_224")),
    Entry("deit_tiny_patch16_224", "vit", P(timm_model, "deit_tiny_patch16_224")),
    # the same weights' architecture with timm's attention written out: tells scaled_dot_product_attention's export apart
    Entry("vit_tiny_unfused_attention", "vit", P(timm_model, "vit_tiny_patch16_224", unfused_attention=True)),
    # timm's ViT shrunk to ship for CI: the same unmasked scaled_dot_product_attention export as the full-size ones
    Entry("vit_micro", "vit", P(timm_model, "vit_tiny_patch16_224", a=(1, 32, 32), b=(2, 32, 32), img_size=32,
                                 patch_size=8, embed_dim=48, num_heads=3, depth=2), ship=True),
    Entry("swin_tiny_reduced", "vit", P(timm_model, "swin_tiny_patch4_window7_224", depths=(2, 2, 2, 2))),
    Entry("swin_t_tv_reduced", "vit", tv_swin_reduced),
    Entry("mobilevit_xxs", "vit", P(timm_model, "mobilevit_xxs", a=(1, 256, 256), b=(2, 256, 256))),
    Entry("levit_128s", "vit", P(timm_model, "levit_128s")),
    Entry("vit_b_16_tv_reduced", "vit", tv_vit_reduced),
    # text
    Entry("bert", "text", P(hf_text, "bert"), ship=True),
    Entry("distilbert", "text", P(hf_text, "distilbert")),
    Entry("roberta", "text", P(hf_text, "roberta")),
    Entry("gpt2", "text", P(hf_text, "gpt2"), ship=True),
    Entry("t5_encoder", "text", P(hf_text, "t5_encoder"), ship=True),
    Entry("llama", "text", P(hf_text, "llama")),
    Entry("torch_transformer_encoder", "text", torch_encoder, ship=True),
    Entry("sdpa_causal", "text", sdpa, ship=True),
    # recurrent
    Entry("lstm", "rnn", P(rnn, nn.LSTM), ship=True),
    Entry("gru", "rnn", P(rnn, nn.GRU), ship=True),
    Entry("bilstm_2layer", "rnn", P(rnn, nn.LSTM, num_layers=2, bidirectional=True), ship=True),
    Entry("gru_3layer", "rnn", P(rnn, nn.GRU, num_layers=3), ship=True),
    # detection / segmentation heads
    Entry("topk", "heads", topk, ship=True),
    Entry("nonzero", "heads", nonzero, ship=True, data_dependent=["indices"]),
    Entry("nms", "heads", nms, ship=True, data_dependent=["keep"]),
    Entry("roi_align", "heads", roi_align, ship=True),
    Entry("resize", "heads", resize, ship=True),
    Entry("unet_tiny", "heads", unet_tiny, ship=True),
    Entry("aspp_tiny", "heads", aspp_tiny, ship=True),
    # audio / 1-D
    Entry("conv1d_stack", "audio", conv1d_stack, ship=True),
    Entry("spectrogram", "audio", spectrogram, ship=True),
    # I/O types and shapes
    Entry("multi_io", "io", multi_io, ship=True),
    Entry("fp16_mlp", "io", fp16_mlp, ship=True),
    Entry("fp16_cnn", "io", fp16_cnn, ship=True),
    Entry("scalar_output", "io", scalar_output, ship=True),
    Entry("scalar_input", "io", scalar_input, ship=True),
    Entry("zero_size", "io", zero_size, ship=True),
    Entry("uint8_image", "io", uint8_image, ship=True),
    Entry("index_ops", "io", index_ops, ship=True),
    Entry("mlp_opset13", "opset", mlp, opset=13, ship=True, seed="mlp"),
    Entry("mlp_opset15", "opset", mlp, opset=15, ship=True, seed="mlp"),
    Entry("mlp_opset16", "opset", mlp, opset=16, ship=True, seed="mlp"),
    Entry("mlp_opset17", "opset", mlp, opset=17, ship=True, seed="mlp"),
    Entry("mlp_opset18", "opset", mlp, opset=18, ship=True, seed="mlp"),
]


# ---------------------------------------------------------------------------------------------------------------
# The driver.
# ---------------------------------------------------------------------------------------------------------------

def one_line(e):
    s = " ".join(("%s: %s" % (type(e).__name__, e)).split())
    return s[:500] + ("..." if len(s) > 500 else "")


def randomize_norms(model, seed):
    """Random running statistics and affine parameters for norm layers, which random init leaves at 0 and 1."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.running_mean is not None:
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)
            if isinstance(m, (nn.modules.batchnorm._BatchNorm, nn.LayerNorm, nn.GroupNorm)):
                w, b = getattr(m, "weight", None), getattr(m, "bias", None)
                if w is not None:
                    w.copy_(1 + torch.randn(w.shape, generator=g) * 0.1)
                if b is not None:
                    b.copy_(torch.randn(b.shape, generator=g) * 0.1)


def flatten(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in flatten(o)]
    return [out]


def to_numpy(t):
    a = np.array(t.detach().cpu().numpy(), order="C")  # not np.ascontiguousarray, which makes a scalar shape (1,)
    if a.shape != tuple(t.shape):
        raise AssertionError("the array has shape %s, the tensor %s" % (a.shape, tuple(t.shape)))
    if a.dtype.name not in ALLOWED_DTYPES:
        raise TypeError("dtype %s is not among %s" % (a.dtype.name, sorted(ALLOWED_DTYPES)))
    return a.astype(a.dtype.newbyteorder("<"), copy=False)


def reference(model, inputs):
    """PyTorch's outputs on CPU under no_grad, and the precision they were computed in."""
    floats16 = any(t.dtype == torch.float16 for t in inputs.values()) or \
        any(p.dtype == torch.float16 for p in model.parameters())
    with torch.no_grad():
        if not floats16:
            return flatten(model(*inputs.values())), "float32"
        try:
            return flatten(model(*inputs.values())), "float16"
        except RuntimeError:  # a CPU kernel without float16: compute in float32, cast the float outputs back
            m32 = copy.deepcopy(model).float()
            outs = flatten(m32(*[t.float() if t.is_floating_point() else t for t in inputs.values()]))
            return [o.half() if o.is_floating_point() else o for o in outs], "float32, cast to float16"


def value_infos(values):
    res = []
    for v in values:
        t = v.type.tensor_type
        dims = [d.dim_param if d.dim_param else (d.dim_value if d.HasField("dim_value") else "?")
                for d in t.shape.dim]
        res.append({"name": v.name, "dtype": ONNX_DTYPES.get(t.elem_type, str(t.elem_type)), "dims": dims})
    return res


def save_npy(folder, inputs, outputs, output_names):
    os.makedirs(folder, exist_ok=True)
    for n, t in inputs.items():
        np.save(os.path.join(folder, "input.%s.npy" % n), to_numpy(t))
    for n, t in zip(output_names, outputs):
        np.save(os.path.join(folder, "output.%s.npy" % n), to_numpy(t))
    names = sorted(f for f in os.listdir(folder) if f.endswith(".npy"))
    with open(os.path.join(folder, "files.txt"), "w") as f:  # a listing, since resources in a jar cannot be listed
        f.write("\n".join(names) + "\n")


def ort_check(path, shapes, folder):
    """onnxruntime CPU's largest absolute difference from PyTorch, per shape label and output."""
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.log_severity_level = 3
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    res = {}
    for label in shapes:
        d = os.path.join(folder, label)
        feeds = {i.name: np.load(os.path.join(d, "input.%s.npy" % i.name)) for i in sess.get_inputs()}
        outs = sess.run(None, feeds)
        diffs = {}
        for o, got in zip(sess.get_outputs(), outs):
            want = np.load(os.path.join(d, "output.%s.npy" % o.name))
            got = np.asarray(got)
            if got.shape != want.shape:
                diffs[o.name] = "shape %s, PyTorch %s" % (list(got.shape), list(want.shape))
            elif got.dtype != want.dtype:
                diffs[o.name] = "dtype %s, PyTorch %s" % (got.dtype, want.dtype)
            elif want.size == 0:
                diffs[o.name] = 0.0
            else:
                diffs[o.name] = float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64))))
        res[label] = diffs
    return res


def run_entry(e, out_dir, use_ort):
    import onnx
    rec = {"name": e.name, "family": e.family, "opset": e.opset, "onnx": e.name + ".onnx", "ship": e.ship,
           "data_dependent_outputs": e.data_dependent}
    path = os.path.join(out_dir, e.name + ".onnx")
    folder = os.path.join(out_dir, e.name)
    for p in (path, path + ".data"):
        if os.path.exists(p):
            os.remove(p)
    shutil.rmtree(folder, ignore_errors=True)
    t0 = time.time()
    try:
        torch.manual_seed(e.seed)
        built = e.builder()
        model, inputs_a, inputs_b, axes, output_names = built[:5]
        extras = built[5] if len(built) > 5 else {}
        randomize_norms(model, e.seed + 1)
        model.eval()
        rec["params"] = int(sum(p.numel() for p in model.parameters()))
        rec.update(extras)
        rec["shapes"] = {"a": {n: list(t.shape) for n, t in inputs_a.items()},
                         "b": {n: list(t.shape) for n, t in inputs_b.items()}}
        t1 = time.time()
        onnx_export(model, list(inputs_a.values()), path, e.opset, list(inputs_a), output_names, axes)
        onnx.checker.check_model(path)
        rec["seconds"] = round(time.time() - t1, 2)
        rec["onnx_bytes"] = os.path.getsize(path)
        proto = onnx.load(path, load_external_data=False)
        rec["inputs"], rec["outputs"] = value_infos(proto.graph.input), value_infos(proto.graph.output)
        got_in, got_out = [v["name"] for v in rec["inputs"]], [v["name"] for v in rec["outputs"]]
        if got_in != list(inputs_a) or got_out != list(output_names):
            raise RuntimeError("the export has inputs %s and outputs %s, not %s and %s"
                               % (got_in, got_out, list(inputs_a), output_names))
        del proto
        notes = []
        rec["output_shapes"] = {}
        for label, inputs in (("a", inputs_a), ("b", inputs_b)):
            outs, precision = reference(model, inputs)
            if len(outs) != len(output_names):
                raise RuntimeError("PyTorch gave %d outputs for %d names" % (len(outs), len(output_names)))
            rec["reference_precision"] = precision
            rec["output_shapes"][label] = {n: list(o.shape) for n, o in zip(output_names, outs)}
            for o, v in zip(outs, rec["outputs"]):
                dt = to_numpy(o).dtype.name
                if dt != v["dtype"]:
                    notes.append("%s: PyTorch gives %s, the ONNX output is %s" % (v["name"], dt, v["dtype"]))
            save_npy(os.path.join(folder, label), inputs, outs, output_names)
        if notes:
            rec["notes"] = sorted(set(notes))
        if use_ort:
            try:
                rec["ort_cpu_max_abs"] = ort_check(path, ("a", "b"), folder)
            except Exception as ex:
                rec["ort_cpu_error"] = one_line(ex)
        rec["status"] = "ok"
    except Exception as ex:
        if os.environ.get("ZOO_TRACEBACK"):
            traceback.print_exc()
        rec["status"], rec["error"] = "error", one_line(ex)
        rec.setdefault("seconds", round(time.time() - t0, 2))
    rec["total_seconds"] = round(time.time() - t0, 2)
    return rec


def write_index(path, models):
    import onnx
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"torch": torch.__version__, "onnx": onnx.__version__, "models": models}, f, indent=1)
    os.replace(tmp, path)


def ship(out_dir, ship_dir, records):
    os.makedirs(ship_dir, exist_ok=True)
    shipped, total = [], 0
    for r in records:
        if not r.get("ship") or r["status"] != "ok" or r["onnx_bytes"] > SHIP_MAX_BYTES:
            continue
        shutil.copy2(os.path.join(out_dir, r["onnx"]), os.path.join(ship_dir, r["onnx"]))
        dst = os.path.join(ship_dir, r["name"])
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(os.path.join(out_dir, r["name"]), dst)
        total += r["onnx_bytes"] + sum(os.path.getsize(os.path.join(dp, f))
                                       for dp, _, fs in os.walk(dst) for f in fs)
        shipped.append(r)
    write_index(os.path.join(ship_dir, "index.json"), shipped)
    print("shipped %d models, %.2f MB, to %s%s" % (len(shipped), total / 1e6, ship_dir,
                                                 "  (over the 4 MB budget!)" if total > SHIP_TOTAL_BYTES else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir", nargs="?")
    ap.add_argument("--only", help="comma-separated entry names")
    ap.add_argument("--ship-dir", help="also copy the tiny shipped entries and their references here")
    ap.add_argument("--no-ort", action="store_true", help="skip the onnxruntime CPU comparison")
    ap.add_argument("--list", action="store_true", help="list the entries and exit")
    args = ap.parse_args()
    if args.list:
        for e in ZOO:
            print("%-28s %-6s opset %d%s" % (e.name, e.family, e.opset, "  ship" if e.ship else ""))
        return 0
    if not args.out_dir:
        ap.error("OUT_DIR is required")
    names = [e.name for e in ZOO]
    assert len(set(names)) == len(names), "duplicate names in ZOO"
    entries = ZOO
    if args.only:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in names]
        if unknown:
            ap.error("unknown entries %s; --list shows them" % unknown)
        entries = [e for e in ZOO if e.name in wanted]
    use_ort = not args.no_ort
    if use_ort:
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            use_ort = False
    os.makedirs(args.out_dir, exist_ok=True)
    index = os.path.join(args.out_dir, "index.json")
    records, t0 = [], time.time()
    for e in entries:
        rec = run_entry(e, args.out_dir, use_ort)
        records.append(rec)
        write_index(index, records)
        if rec["status"] == "ok":
            ort = rec.get("ort_cpu_max_abs")
            worst = None if not ort else max((v for d in ort.values() for v in d.values() if isinstance(v, float)),
                                             default=None)
            bad = [k + "." + o + ": " + v for k, d in (ort or {}).items() for o, v in d.items() if isinstance(v, str)]
            print("%-28s ok     %6.1f s %9.3f MB%s%s" % (
                e.name, rec["total_seconds"], rec["onnx_bytes"] / 1e6,
                "" if worst is None else "  ort_cpu max_abs %.2g" % worst, ("  ort_cpu " + "; ".join(bad)) if bad else "")
                  + ("  ort_cpu " + rec["ort_cpu_error"][:150] if "ort_cpu_error" in rec else ""), flush=True)
        else:
            print("%-28s error  %6.1f s  %s" % (e.name, rec["total_seconds"], rec["error"][:200]), flush=True)
        gc.collect()
    ok = sum(r["status"] == "ok" for r in records)
    print("%d of %d exported in %.0f s; index: %s" % (ok, len(records), time.time() - t0, index))
    if args.ship_dir:
        ship(args.out_dir, args.ship_dir, records)
    return 0


if __name__ == "__main__":
    sys.exit(main())
