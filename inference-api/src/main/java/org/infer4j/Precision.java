package org.infer4j;

/** The arithmetic precision a backend may use inside the model. Inputs and outputs keep the model's types. */
public enum Precision {
    /** Full single precision (TensorRT may still use TF32 where its settings allow). */
    FP32,
    /** Half precision where the backend supports it (TensorRT, ONNX Runtime's TensorRT provider). */
    FP16
}
