package org.infer4j;

/**
 * The GPU (or page-locked host memory) had too little free memory for what was asked: an engine's
 * buffers for its largest shapes, another execution context, a device tensor. Nothing of the
 * failed allocation is kept; the engines and tensors made before stay usable. The message names
 * what was being allocated, its size, and what to do: a smaller shape range, fewer contexts, or
 * less of the GPU's memory used elsewhere.
 */
public class OutOfDeviceMemoryException extends InferenceException {
    private static final long serialVersionUID = 1L;

    public OutOfDeviceMemoryException(String message) {
        super(message);
    }
}
