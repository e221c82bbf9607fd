# Makes external.onnx and weights.bin: y = MatMul(x, w) + b with w and b stored outside the model
# file, in weights.bin beside it, as large models are (ONNX external data).
# Run with Debian's python3-onnx: /usr/bin/python3 external.py
import struct

import onnx
from onnx import TensorProto, helper


def floats(name, dims, values):
    # raw little-endian bytes: only raw_data moves to external data
    return helper.make_tensor(name, TensorProto.FLOAT, dims, struct.pack("<%df" % len(values), *values), raw=True)


w = floats("w", [4, 2], [0.5, -1.0, 2.0, 0.25, -0.5, 1.5, 1.0, -2.0])
b = floats("b", [2], [0.125, -0.75])
graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "w"], ["xw"]), helper.make_node("Add", ["xw", "b"], ["y"])],
    "external",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2])],
    [w, b])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="infer4j-tests")
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, "external.onnx", save_as_external_data=True, all_tensors_to_one_file=True,
          location="weights.bin", size_threshold=0)
