#!/usr/bin/env python3
"""Insert FP8 (E4M3) QuantizeLinear/DequantizeLinear pairs into an ONNX model, with scales from calibration data.

TensorRT 10.6 runs FP8 only through explicit quantization: the ONNX parser imports QuantizeLinear/DequantizeLinear
whose zero point is FLOAT8E4M3FN as FP8 Q/DQ layers, and the builder then picks FP8 kernels for the matrix products
and convolutions between them (on compute capability 8.9 and later). infer4j's tensorrt backend builds such a model
with Precision.FP8 (docs/precision.md). This script makes one from an FP32 model:

  * the targets are MatMul and Gemm nodes, and Conv nodes with a single group and input channels a multiple of 16
    (TensorRT has no FP8 kernels for depthwise or grouped convolutions, nor for a first convolution over 3 colour
    channels: NVIDIA/TensorRT issues 3987 and 4524);
  * each target's activation input gets a per-tensor scale amax / 448 (448 is E4M3's largest finite value), amax
    being the largest magnitude that input takes over the calibration inputs; its weight (an initializer) gets
    per-tensor amax / 448 of its values;
  * the calibration inputs are random (standard normal floats, integer ids below --max-token-id, ones for masks)
    unless --inputs names an .npz file of arrays by input name, each with a leading sample axis;
  * the model is converted to opset 19 first if it is older (FP8 Q/DQ needs opset 19).

It runs on the CPU with onnx and, where installed, onnxruntime (without it, onnx's numpy reference evaluator
calibrates, slowly), and prints a JSON summary. With --check (needs onnxruntime) it also runs the rewritten model on
ONNX Runtime's CPU provider, which simulates the FP8 rounding, and reports its agreement with the original over the
calibration inputs.

  python3 scripts/fp8_qdq.py model.onnx model.fp8.onnx --samples 64 --batch 8 --check
"""
import argparse
import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

E4M3_MAX = 448.0
QDQ_OPSET = 19


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model", help="the FP32 ONNX model")
    p.add_argument("output", help="where the FP8 model is written")
    p.add_argument("--samples", type=int, default=32, help="calibration batches (default 32)")
    p.add_argument("--batch", type=int, default=1, help="batch size of generated calibration inputs (default 1)")
    p.add_argument("--seq-len", type=int, default=128, help="length of open second dimensions (default 128)")
    p.add_argument("--seed", type=int, default=0, help="seed of generated calibration inputs (default 0)")
    p.add_argument("--max-token-id", type=int, default=100, help="integer inputs are drawn below this (default 100)")
    p.add_argument("--inputs", help=".npz of calibration arrays by input name, sample axis first (overrides generation)")
    p.add_argument("--ops", default="MatMul,Gemm,Conv", help="node types to quantize (default MatMul,Gemm,Conv)")
    p.add_argument("--check", action="store_true", help="compare the FP8 model with the original on ONNX Runtime's CPU")
    return p.parse_args(argv)


def dims_of(value_info, batch, seq_len):
    dims = []
    for i, d in enumerate(value_info.type.tensor_type.shape.dim):
        if d.HasField("dim_value") and d.dim_value > 0:
            dims.append(d.dim_value)
        else:
            dims.append(batch if i == 0 else seq_len)
    return dims


def calibration_inputs(model, args):
    initializers = {i.name for i in model.graph.initializer}
    graph_inputs = [i for i in model.graph.input if i.name not in initializers]
    if args.inputs:
        arrays = np.load(args.inputs)
        count = min(len(arrays[i.name]) for i in graph_inputs)
        return [{i.name: arrays[i.name][s] for i in graph_inputs} for s in range(count)]
    rng = np.random.default_rng(args.seed)
    samples = []
    for _ in range(args.samples):
        feed = {}
        for i in graph_inputs:
            elem = i.type.tensor_type.elem_type
            shape = dims_of(i, args.batch, args.seq_len)
            dtype = helper.tensor_dtype_to_np_dtype(elem)
            if np.issubdtype(dtype, np.floating):
                feed[i.name] = rng.standard_normal(shape).astype(dtype)
            elif "mask" in i.name.lower():
                feed[i.name] = np.ones(shape, dtype=dtype)
            else:
                feed[i.name] = rng.integers(0, args.max_token_id, size=shape).astype(dtype)
        samples.append(feed)
    return samples


def targets(model, ops):
    """(node, activation input, weight initializer or None) for every node to quantize."""
    initializers = {i.name: i for i in model.graph.initializer}
    chosen, skipped = [], []
    for node in model.graph.node:
        if node.op_type not in ops or len(node.input) < 2:
            continue
        activation, weight = node.input[0], initializers.get(node.input[1])
        if activation in initializers:
            skipped.append({"node": node.name, "why": "its first input is a constant"})
            continue
        if node.op_type == "Conv":
            group = next((a.i for a in node.attribute if a.name == "group"), 1)
            channels = weight.dims[1] * group if weight is not None else 0
            if group != 1 or channels % 16 != 0:
                skipped.append({"node": node.name, "why": f"group {group}, {channels} input channels: TensorRT has no FP8 "
                                                          "kernel for grouped convolutions or channels not a multiple of 16"})
                continue
        chosen.append((node, activation, weight))
    return chosen, skipped


def activation_ranges(model, names, samples):
    """The largest magnitude each named tensor takes over the samples: from ONNX Runtime's CPU provider, or, where
    onnxruntime is not installed, from onnx's reference evaluator (numpy; far slower, so use fewer --samples)."""
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    existing = {o.name for o in probe.graph.output}
    for n in names:
        if n not in existing:
            probe.graph.output.append(helper.make_empty_tensor_value_info(n))
    try:
        import onnxruntime as ort
        session = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    except ImportError:
        from onnx.reference import ReferenceEvaluator
        session = ReferenceEvaluator(probe)
    amax = dict.fromkeys(names, 0.0)
    for feed in samples:
        values = session.run(list(names), feed)
        for n, v in zip(names, values):
            amax[n] = max(amax[n], float(np.max(np.abs(v))) if v.size else 0.0)
    return amax


def qdq(graph_nodes, initializers, tensor, scale_value, tag):
    """Q/DQ of `tensor` with an FP8 zero point; returns the dequantized tensor's name."""
    scale = numpy_helper.from_array(np.array(max(scale_value, 1e-12), dtype=np.float32), f"{tag}_fp8_scale")
    zero = helper.make_tensor(f"{tag}_fp8_zero", TensorProto.FLOAT8E4M3FN, [], [0.0])
    initializers.extend([scale, zero])
    q, dq = f"{tag}_fp8_q", f"{tag}_fp8_dq"
    graph_nodes.append(helper.make_node("QuantizeLinear", [tensor, scale.name, zero.name], [q], name=f"{tag}_QuantizeLinear"))
    graph_nodes.append(helper.make_node("DequantizeLinear", [q, scale.name, zero.name], [dq],
                                        name=f"{tag}_DequantizeLinear"))
    return dq


def rewrite(model, chosen, amax):
    new_nodes, new_initializers = [], []
    dequantized = {}
    by_node = {id(node): (activation, weight) for node, activation, weight in chosen}
    for index, node in enumerate(model.graph.node):
        picked = by_node.get(id(node))
        if picked is not None:
            activation, weight = picked
            if activation not in dequantized:
                dequantized[activation] = qdq(new_nodes, new_initializers, activation, amax[activation] / E4M3_MAX,
                                              f"act{len(dequantized)}")
            node.input[0] = dequantized[activation]
            if weight is not None:
                w = numpy_helper.to_array(weight)
                node.input[1] = qdq(new_nodes, new_initializers, weight.name, float(np.max(np.abs(w))) / E4M3_MAX,
                                    f"w{index}")
        new_nodes.append(node)
    del model.graph.node[:]
    model.graph.node.extend(new_nodes)
    model.graph.initializer.extend(new_initializers)
    return model


def agreement(original, rewritten, samples):
    import onnxruntime as ort
    # ONNX Runtime's graph optimisations would fuse the Q/DQ pairs into integer kernels that reject FP8; without
    # them each QuantizeLinear/DequantizeLinear runs as such, rounding to E4M3 as TensorRT's FP8 kernels do
    plain = ort.SessionOptions()
    plain.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    a = ort.InferenceSession(original.SerializeToString(), plain, providers=["CPUExecutionProvider"])
    b = ort.InferenceSession(rewritten.SerializeToString(), plain, providers=["CPUExecutionProvider"])
    dot = na = nb = max_abs = 0.0
    for feed in samples:
        for x, y in zip(a.run(None, feed), b.run(None, feed)):
            x, y = x.astype(np.float64).ravel(), y.astype(np.float64).ravel()
            dot, na, nb = dot + x @ y, na + x @ x, nb + y @ y
            max_abs = max(max_abs, float(np.max(np.abs(x - y))) if x.size else 0.0)
    cosine = 1.0 if na == 0 and nb == 0 else dot / np.sqrt(na * nb) if na and nb else 0.0
    return {"samples": len(samples), "cosine": float(cosine), "max_abs": max_abs}


def main(argv):
    args = parse_args(argv)
    model = onnx.load(args.model)
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    if opset < QDQ_OPSET:
        from onnx import version_converter
        model = version_converter.convert_version(model, QDQ_OPSET)
    original = onnx.ModelProto()
    original.CopyFrom(model)
    chosen, skipped = targets(model, set(args.ops.split(",")))
    if not chosen:
        sys.exit(f"no {args.ops} node of {args.model} can be quantized to FP8: {json.dumps(skipped)}")
    samples = calibration_inputs(model, args)
    amax = activation_ranges(model, sorted({activation for _, activation, _ in chosen}), samples)
    rewritten = rewrite(model, chosen, amax)
    onnx.checker.check_model(rewritten)
    onnx.save(rewritten, args.output)
    summary = {"model": args.model, "output": args.output, "opset": max(opset, QDQ_OPSET), "quantized": len(chosen),
               "skipped": skipped, "calibration_samples": len(samples)}
    if args.check:
        try:
            summary["check_on_ort_cpu"] = agreement(original, rewritten, samples)
        except ImportError:
            summary["check_on_ort_cpu"] = "not checked: onnxruntime is not installed"
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
