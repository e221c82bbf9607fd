package org.infer4j.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CpuAffinityTest {
    @Test
    void expandsTheKernelsCpuLists() {
        assertThat(CpuAffinity.expand("0-3,8,10-11")).containsExactly(0, 1, 2, 3, 8, 10, 11);
        assertThat(CpuAffinity.expand("5")).containsExactly(5);
        assertThat(CpuAffinity.expand(" 0-1 ,\n")).containsExactly(0, 1);
    }

    @Test
    void rejectsListsThatAreNotCpuNumbers() {
        assertThatThrownBy(() -> CpuAffinity.expand("0-x")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0-x");
        assertThatThrownBy(() -> CpuAffinity.expand("3-1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3-1");
        assertThatThrownBy(() -> CpuAffinity.pinCurrentThread(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pinsOnlyTheCallingThread() throws Exception {
        assumeTrue(CpuAffinity.allowedCpus().isPresent(), "Linux only");
        String before = CpuAffinity.allowedCpus().orElseThrow();
        int cpu = CpuAffinity.expand(before).get(CpuAffinity.expand(before).size() - 1);
        AtomicReference<String> pinned = new AtomicReference<>();
        Thread t = new Thread(() -> {
            CpuAffinity.pinCurrentThread(cpu);
            pinned.set(CpuAffinity.allowedCpus().orElseThrow());
        });
        t.start();
        t.join();
        assertThat(pinned.get()).isEqualTo(Integer.toString(cpu));
        assertThat(CpuAffinity.allowedCpus()).contains(before);
    }

    @Test
    void aCpuTheKernelRefusesIsAnErrorNamingTheCommand() throws Exception {
        assumeTrue(CpuAffinity.allowedCpus().isPresent(), "Linux only");
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                CpuAffinity.pinCurrentThread(4095);
            } catch (RuntimeException e) {
                thrown.set(e);
            }
        });
        t.start();
        t.join();
        assertThat(thrown.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("taskset -p -c 4095");
    }
}
