"""Makes the tiny reference models that ship with infer4j, and their reference outputs.

    /usr/bin/python3 models/make_models.py models      # Debian: python3-torch python3-onnx

The models are the reference architectures of ../shared/gpu/models.py (mlp, cnn, gru, a
transformer encoder) shrunk to a few kilobytes, exported the same way (torch.onnx.export,
opset 17, dynamic batch and sequence axes) so that tests and the CPU benchmark run anywhere.
`dtypes.onnx` is written with onnx.helper: one Identity per element type, to check that every
element type crosses each backend unchanged. Weights are random with a fixed seed. For each model,
NAME/ holds seeded inputs and PyTorch's outputs for them as .npy files: the values CPU inference
must reproduce.
"""
import os, sys
import numpy as np
import onnx
from onnx import TensorProto, helper
import torch
import torch.nn as nn

torch.manual_seed(0)


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 4))

    def forward(self, x):
        return self.f(x)


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
                               nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4))

    def forward(self, x):
        return self.f(x)


class Gru(nn.Module):
    def __init__(self):
        super().__init__()
        self.g = nn.GRU(4, 8, num_layers=2, batch_first=True)
        self.h = nn.Linear(8, 1)

    def forward(self, x):
        y, _ = self.g(x)
        return self.h(y[:, -1, :])


class Encoder(nn.Module):
    """One BERT-style encoder layer over token ids with a padding mask (int64 inputs, as in BERT)."""

    def __init__(self, vocab=100, d=16, heads=2):
        super().__init__()
        self.heads, self.d = heads, d
        self.emb = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(512, d)
        self.qkv = nn.Linear(d, 3 * d)
        self.o = nn.Linear(d, d)
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def forward(self, input_ids, attention_mask):
        b, s = input_ids.shape
        pos = torch.arange(s, device=input_ids.device).unsqueeze(0)
        x = self.emb(input_ids) + self.pos(pos)
        q, k, v = self.qkv(x).split(self.d, dim=-1)
        hd = self.d // self.heads
        q, k, v = (t.reshape(b, s, self.heads, hd).transpose(1, 2) for t in (q, k, v))
        scores = q @ k.transpose(-1, -2) / hd ** 0.5
        scores = scores + (1.0 - attention_mask[:, None, None, :].to(scores.dtype)) * -10000.0
        a = torch.softmax(scores, dim=-1) @ v
        x = self.ln1(x + self.o(a.transpose(1, 2).reshape(b, s, self.d)))
        return self.ln2(x + self.ff(x))


def export(model, name, inputs, axes, out):
    model.eval()
    path = os.path.join(out, name + ".onnx")
    torch.onnx.export(model, tuple(inputs.values()), path, input_names=list(inputs), output_names=["output"],
                      dynamic_axes={**axes, "output": {0: "batch"}}, opset_version=17)
    ref = os.path.join(out, name)
    os.makedirs(ref, exist_ok=True)
    with torch.no_grad():
        y = model(*inputs.values())
    for k, v in inputs.items():
        np.save(os.path.join(ref, "input." + k + ".npy"), v.numpy())
    np.save(os.path.join(ref, "output.output.npy"), y.numpy())
    with open(os.path.join(ref, "files.txt"), "w") as f:  # a listing, since resources in a jar cannot be listed
        f.write("\n".join(sorted(n for n in os.listdir(ref) if n.endswith(".npy"))) + "\n")


def dtypes_model(out):
    kinds = [("f32", TensorProto.FLOAT, np.float32), ("f16", TensorProto.FLOAT16, np.float16),
             ("bf16", TensorProto.BFLOAT16, None), ("i8", TensorProto.INT8, np.int8),
             ("u8", TensorProto.UINT8, np.uint8), ("i32", TensorProto.INT32, np.int32),
             ("i64", TensorProto.INT64, np.int64), ("bool", TensorProto.BOOL, np.bool_)]
    nodes, ins, outs = [], [], []
    for k, t, _ in kinds:
        ins.append(helper.make_tensor_value_info("in_" + k, t, ["n"]))
        outs.append(helper.make_tensor_value_info("out_" + k, t, ["n"]))
        nodes.append(helper.make_node("Identity", ["in_" + k], ["out_" + k]))
    graph = helper.make_graph(nodes, "dtypes", ins, outs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="infer4j")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, "dtypes.onnx"))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    g = torch.Generator().manual_seed(1)
    export(Mlp(), "mlp_tiny", {"input": torch.randn(2, 16, generator=g)}, {"input": {0: "batch"}}, out)
    export(Cnn(), "cnn_tiny", {"input": torch.randn(2, 3, 16, 16, generator=g)}, {"input": {0: "batch"}}, out)
    export(Gru(), "gru_tiny", {"input": torch.randn(2, 10, 4, generator=g)}, {"input": {0: "batch"}}, out)
    ids = torch.randint(0, 100, (2, 8), generator=g)
    mask = torch.ones(2, 8, dtype=torch.int64)
    mask[1, 5:] = 0
    export(Encoder(), "encoder_tiny", {"input_ids": ids, "attention_mask": mask},
           {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}}, out)
    dtypes_model(out)


if __name__ == "__main__":
    main()
