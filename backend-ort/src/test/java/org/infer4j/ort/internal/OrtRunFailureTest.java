package org.infer4j.ort.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtException;
import org.junit.jupiter.api.Test;

/** How ONNX Runtime's run failures are read: whose fault, and ONNX Runtime's message on one line. */
class OrtRunFailureTest {

    @Test
    void onnxRuntimesMessageLosesItsPrefixSourceLocationsAndLineBreaks() {
        String raw = "Error code - ORT_INVALID_ARGUMENT - message: Non-zero status code returned while running Add node. "
                + "Name:'/Add_1' Status Message: /onnxruntime_src/onnxruntime/core/providers/cpu/math/element_wise_ops.h:560 "
                + "void onnxruntime::BroadcastIterator::Append(ptrdiff_t, ptrdiff_t) axis == 1 || axis == largest was false. "
                + "Attempting to broadcast an axis by a dimension other than 1. 7 by 8\n\n";
        assertThat(OrtEngine.oneLine(raw))
                .isEqualTo("Add node '/Add_1': Attempting to broadcast an axis by a dimension other than 1. 7 by 8");
        assertThat(OrtEngine.oneLine("Error code - ORT_FAIL - message: CUDA out of memory\n"))
                .isEqualTo("CUDA out of memory");
    }

    @Test
    void invalidArgumentsAndShapeTroubleAreTheInputsFault() {
        assertThat(OrtEngine.isInputProblem(OrtException.OrtErrorCode.ORT_INVALID_ARGUMENT, "anything")).isTrue();
        assertThat(OrtEngine.isInputProblem(OrtException.OrtErrorCode.ORT_FAIL,
                "Gather node '/pos/Gather': indices element out of data bounds, idx=512")).isTrue();
        assertThat(OrtEngine.isInputProblem(OrtException.OrtErrorCode.ORT_RUNTIME_EXCEPTION,
                "Reshape node '/r': The input tensor cannot be reshaped to the requested shape")).isTrue();
        assertThat(OrtEngine.isInputProblem(OrtException.OrtErrorCode.ORT_FAIL, "CUDA out of memory")).isFalse();
    }
}
