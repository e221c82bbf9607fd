package org.infer4j.ort;

import org.infer4j.contract.BackendContractTest;

/** ort-cpu keeps every promise of the backend contract; runs on any machine. */
class OrtCpuContractTest extends BackendContractTest {
    @Override
    protected String backendName() {
        return "ort-cpu";
    }
}
