package org.infer4j;

/**
 * The arithmetic precision a backend may use inside the model. Inputs and outputs keep the model's types.
 * A backend that cannot run a precision refuses it at build time with {@link UnsupportedPrecisionException}.
 */
public enum Precision {
    /** Full single precision (TensorRT may still use TF32 where its settings allow). */
    FP32,
    /** Half precision where the backend supports it (TensorRT, ONNX Runtime's TensorRT provider). */
    FP16,
    /**
     * 8-bit integer arithmetic where a layer has an INT8 implementation, FP16 or FP32 elsewhere (TensorRT and
     * ONNX Runtime's TensorRT provider). The scale of each tensor comes from post-training calibration over
     * representative inputs ({@link EngineBuilder#int8Calibration(Int8Calibration)}), or from the
     * quantize/dequantize nodes of a model quantized before export. Results differ from FP32 by more than
     * FP16's do: measure the agreement on your data (docs/precision.md).
     */
    INT8,
    /**
     * 8-bit floating point (E4M3) where the model says so, FP16 elsewhere: the model must carry FP8
     * QuantizeLinear/DequantizeLinear pairs with their scales (docs/precision.md shows how to insert them). Only
     * {@code tensorrt} runs it, on GPUs of compute capability 8.9 (Ada) or 9.0 (Hopper) and later.
     */
    FP8
}
