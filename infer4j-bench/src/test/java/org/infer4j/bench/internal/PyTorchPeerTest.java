package org.infer4j.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading PyTorch's NAME.json as shared/gpu/models.py writes it. */
class PyTorchPeerTest {
    /** bert_base on the H100: eager latencies, CUDA-graph capture failed. */
    static final String BERT = """
            {"inputs": {"input_ids": {"shape": [1, 128], "dtype": "int64"},
                        "attention_mask": {"shape": [1, 128], "dtype": "int64"}},
             "onnx_bytes": 435298069, "device": "NVIDIA H100 80GB HBM3", "torch": "2.11.0+cu130",
             "pytorch_fp32": {"eager_us": 8341.69, "cuda_graph_error": "Cannot copy between CPU and CUDA tensors during CUDA graph capture"},
             "pytorch_fp16": {"eager_us": 6461.01, "cuda_graph_error": "Cannot copy between CPU and CUDA tensors during CUDA graph capture"}}
            """;
    /** gru: both eager and CUDA graph. */
    static final String GRU = """
            {"inputs": {"input": {"shape": [1, 30, 4], "dtype": "float32"}}, "device": "NVIDIA H100 80GB HBM3",
             "torch": "2.11.0+cu130", "pytorch_fp32": {"eager_us": 254.6, "cuda_graph_us": 60.02},
             "pytorch_fp16": {"eager_us": 234.26, "cuda_graph_us": 57.97}}
            """;

    @TempDir
    Path dir;

    @Test
    void readsEagerAndCudaGraphLatencyPerPrecision() throws IOException {
        Path file = Files.writeString(dir.resolve("gru.json"), GRU);

        PyTorchPeer peer = PyTorchPeer.read(file);

        assertThat(peer.device()).isEqualTo("NVIDIA H100 80GB HBM3");
        assertThat(peer.torch()).isEqualTo("2.11.0+cu130");
        assertThat(peer.inputs()).containsEntry("input", List.of(1L, 30L, 4L));
        assertThat(peer.precisions().get("FP32")).isEqualTo(new PyTorchPeer.Timing(254.6, 60.02, null));
        assertThat(peer.precisions().get("FP16").cudaGraphUs()).isEqualTo(57.97);
    }

    @Test
    void aFailedCaptureLeavesTheGraphLatencyEmptyAndKeepsTheError() throws IOException {
        PyTorchPeer peer = PyTorchPeer.read(Files.writeString(dir.resolve("bert_base.json"), BERT));

        PyTorchPeer.Report fp16 = peer.reportFor("FP16", Map.of("input_ids", List.of(1L, 128L),
                "attention_mask", List.of(1L, 128L)));

        assertThat(fp16.eagerUs()).isEqualTo(6461.01);
        assertThat(fp16.cudaGraphUs()).isNull();
        assertThat(fp16.cudaGraphError()).startsWith("Cannot copy between CPU and CUDA tensors");
        assertThat(fp16.shapesMatch()).isTrue();
    }

    @Test
    void aRunOfOtherShapesGetsThePeerMarkedAsNotMatching() throws IOException {
        PyTorchPeer peer = PyTorchPeer.read(Files.writeString(dir.resolve("bert_base.json"), BERT));

        PyTorchPeer.Report batch8 = peer.reportFor("FP32", Map.of("input_ids", List.of(8L, 128L),
                "attention_mask", List.of(8L, 128L)));

        assertThat(batch8.shapesMatch()).isFalse();
        assertThat(peer.reportFor("INT8", Map.of())).as("a precision PyTorch did not time").isNull();
    }

    @Test
    void theFileIsFoundBesideTheModelInADirectoryOrGivenOutright() throws IOException {
        Path model = Files.writeString(dir.resolve("gru.onnx"), "");
        Path beside = Files.writeString(dir.resolve("gru.json"), GRU);
        Path other = Files.createDirectories(dir.resolve("peers"));
        Path inOther = Files.writeString(other.resolve("gru.json"), GRU);

        assertThat(PyTorchPeer.locate(null, model)).isEqualTo(beside.toAbsolutePath());
        assertThat(PyTorchPeer.locate(other, model)).isEqualTo(inOther);
        assertThat(PyTorchPeer.locate(inOther, model)).isEqualTo(inOther);
        assertThat(PyTorchPeer.locate(null, dir.resolve("mlp.onnx"))).isNull();
    }
}
