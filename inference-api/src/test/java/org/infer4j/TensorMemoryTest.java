package org.infer4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** When a tensor's off-heap memory is freed: at close, and only memory the tensor owns. */
class TensorMemoryTest {
    private static final int EIGHT_MIB = 8 << 20;

    @Test
    void closingATensorReturnsItsMemoryToTheDirectMemoryPoolAtOnce() {
        List<Supplier<Tensor>> factories = List.of(
                () -> Tensor.allocate(ElementType.UINT8, EIGHT_MIB),
                () -> Tensor.ofInt8(new byte[EIGHT_MIB], EIGHT_MIB),
                () -> Tensor.copyOf(ElementType.FLOAT32, ByteBuffer.allocate(EIGHT_MIB), EIGHT_MIB / 4));
        for (Supplier<Tensor> factory : factories) {
            Tensor t = factory.get();
            long whileOpen = directMemoryUsed();
            t.close();
            assertThat(whileOpen - directMemoryUsed()).as("bytes returned by closing %s", t).isGreaterThanOrEqualTo(EIGHT_MIB);
        }
    }

    @Test
    void closingAWrappedTensorLeavesTheCallersBufferAllocatedAndUsable() {
        ByteBuffer mine = ByteBuffer.allocateDirect(EIGHT_MIB).order(ByteOrder.nativeOrder());
        Tensor t = Tensor.wrap(ElementType.FLOAT32, mine, EIGHT_MIB / 4);
        t.buffer().putFloat(0, 1.5f);
        long whileOpen = directMemoryUsed();
        t.close();
        assertThat(whileOpen - directMemoryUsed()).as("bytes returned by closing the wrapper").isLessThan(EIGHT_MIB);
        assertThat(mine.getFloat(0)).isEqualTo(1.5f);
    }

    @Test
    void aSixtyFourMiBBudgetServesAThousand16MiBTensorsWhenTheyAreClosedEvenWithoutExplicitGc() throws Exception {
        Child child = runChild(List.of("-XX:MaxDirectMemorySize=64m", "-XX:+DisableExplicitGC"), "cycles");
        assertThat(child.output()).doesNotContain("OutOfMemoryError")
                .contains(DirectMemoryChild.CYCLES + " cycles of 16 MiB tensors completed");
        assertThat(child.exitCode()).as(child.output()).isZero();
    }

    @Test
    void aTensorThatOwnsMemoryAndBecomesUnreachableUnclosedLogsOneWarningNamingIt() throws Exception {
        Child child = runChild(List.of(), "leak");
        assertThat(child.exitCode()).as(child.output()).isZero();
        assertThat(child.output()).contains("a leak warning after");
        assertThat(child.output().lines().filter(line -> line.contains("never closed")))
                .singleElement().asString()
                .contains("WARN", "tensor FLOAT32[2, 3] on HOST was never closed", "left to the garbage collector",
                        "try-with-resources");
        assertThat(child.output()).as("closed tensors and wrappers do not warn").doesNotContain("[5, 7]", "[4, 9]");
    }

    private static long directMemoryUsed() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).findFirst().orElseThrow().getMemoryUsed();
    }

    record Child(int exitCode, String output) {
    }

    /** Runs {@link DirectMemoryChild} in a new JVM with this JVM's class path, stdout and stderr together. */
    static Child runChild(List<String> jvmOptions, String mode) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(DirectMemoryChild.class.getName());
        command.add(mode);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Child(process.waitFor(), output);
    }
}
