"""Runs ON THE GPU MACHINE after the zoo export: rewrites one zoo model into variants that tell apart the causes of a
backend's wrong answer, as a zoo of their own that org.infer4j.bench.Conformance runs like any other.

    python3 scripts/gpu/zoo_variants.py ZOO MODEL OUT_ZOO

Variants (each with the model's inputs and PyTorch's outputs):
  MODEL            as exported
  MODEL_ortbasic   after ONNX Runtime's basic graph optimisations (what ort-tensorrt hands TensorRT's parser)
  MODEL_noshare    every Identity of an initializer replaced by a copy of the initializer: no shared weights
  MODEL_probe      as exported, plus float intermediate outputs (patch embedding, each block's residual sum, final norm),
                   whose expected values come from ONNX Runtime on the CPU (PyTorch's stay for the final output)
"""
import json, os, shutil, sys
import numpy as np
import onnx
from onnx import helper, numpy_helper
import onnxruntime as ort

zoo, name, out = sys.argv[1:4]
os.makedirs(out, exist_ok=True)
index = json.load(open(os.path.join(zoo, "index.json")))
entry = next(m for m in index["models"] if m["name"] == name)
src = os.path.join(zoo, entry["onnx"])
model = onnx.load(src)
entries = []


def add(variant, path, extra_outputs=()):
    e = dict(entry, name=variant, onnx=os.path.basename(path))
    shutil.copytree(os.path.join(zoo, name), os.path.join(out, variant), dirs_exist_ok=True)
    if extra_outputs:
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        for shape in entry["shapes"]:
            d = os.path.join(out, variant, shape)
            feeds = {i.name: np.load(os.path.join(d, "input." + i.name + ".npy")) for i in sess.get_inputs()}
            values = sess.run(list(extra_outputs), feeds)
            for n, v in zip(extra_outputs, values):
                np.save(os.path.join(d, "output." + n.replace("/", "_") + ".npy"), np.ascontiguousarray(v))
            files = sorted(f for f in os.listdir(d) if f.endswith(".npy"))
            open(os.path.join(d, "files.txt"), "w").write("\n".join(files) + "\n")
    entries.append(e)


shutil.copy(src, os.path.join(out, entry["onnx"]))
add(name, os.path.join(out, entry["onnx"]))

so = ort.SessionOptions()
so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
so.optimized_model_filepath = os.path.join(out, name + "_ortbasic.onnx")
ort.InferenceSession(src, so, providers=["CPUExecutionProvider"])
add(name + "_ortbasic", so.optimized_model_filepath)

m = onnx.load(src)
inits = {i.name: i for i in m.graph.initializer}
outputs = {o.name for o in m.graph.output}
keep, copies = [], 0
for node in m.graph.node:
    if node.op_type == "Identity" and node.input[0] in inits and node.output[0] not in outputs:
        t = numpy_helper.from_array(numpy_helper.to_array(inits[node.input[0]]), node.output[0])
        m.graph.initializer.append(t)
        copies += 1
    else:
        keep.append(node)
del m.graph.node[:]
m.graph.node.extend(keep)
p = os.path.join(out, name + "_noshare.onnx")
onnx.save(m, p)
print(f"{name}_noshare: {copies} Identity nodes of initializers replaced by copies")
add(name + "_noshare", p)

m = onnx.load(src)
float_values = {v.name for v in onnx.shape_inference.infer_shapes(m).graph.value_info
                if v.type.tensor_type.elem_type == onnx.TensorProto.FLOAT}
probes = []
for node in m.graph.node:
    o = node.output[0]
    if o not in float_values:
        continue  # shape arithmetic (int64) is no activation to compare
    if (node.op_type == "Add" and "blocks" in o and o.endswith("Add_1_output_0")) or \
            (node.op_type in ("Transpose", "Concat", "Add") and "patch_embed" in o) or \
            (node.op_type == "LayerNormalization" and o.startswith("/norm/")):
        probes.append(o)
probes = [p for p in dict.fromkeys(probes)][:40]
safe = {}
for o in probes:  # an output name the .npy files can carry: renamed through an Identity
    s = o.replace("/", "_")
    m.graph.node.append(helper.make_node("Identity", [o], [s]))
    m.graph.output.append(helper.make_tensor_value_info(s, onnx.TensorProto.FLOAT, None))
    safe[o] = s
p = os.path.join(out, name + "_probe.onnx")
onnx.save(m, p)
print(f"{name}_probe: {len(probes)} intermediate outputs: {probes}")
add(name + "_probe", p, extra_outputs=list(safe.values()))

json.dump(dict(index, models=entries), open(os.path.join(out, "index.json"), "w"), indent=1)
