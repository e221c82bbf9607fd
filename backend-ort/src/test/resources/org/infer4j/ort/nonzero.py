# Makes nonzero.onnx, a model with one output whose shape the input's shape fixes and one whose
# shape depends on the input's values:
#   positive = Greater(x, 0)       x: float32[n] -> positive: bool[n]
#   positions = NonZero(positive)  positions: int64[1, <number of positive elements>]
# Run with Debian's python3-onnx: /usr/bin/python3 nonzero.py
import onnx
from onnx import TensorProto, helper

zero = helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0])
graph = helper.make_graph(
    [helper.make_node("Greater", ["x", "zero"], ["positive"]),
     helper.make_node("NonZero", ["positive"], ["positions"])],
    "nonzero",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n"])],
    [helper.make_tensor_value_info("positive", TensorProto.BOOL, ["n"]),
     helper.make_tensor_value_info("positions", TensorProto.INT64, [1, None])],
    [zero])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="infer4j-tests")
model.ir_version = 8
onnx.checker.check_model(model, full_check=True)
onnx.save(model, "nonzero.onnx")
