package org.infer4j.ort;

import org.infer4j.contract.BackendContractTest;

/** ort-cuda keeps the backend contract; skipped where CUDA is unavailable. */
class OrtCudaContractTest extends BackendContractTest {
    @Override
    protected String backendName() {
        return "ort-cuda";
    }
}
