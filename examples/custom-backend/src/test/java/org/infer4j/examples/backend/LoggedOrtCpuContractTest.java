package org.infer4j.examples.backend;

import org.infer4j.contract.BackendContractTest;

/** logged-ort-cpu keeps every promise of the backend contract, found through ServiceLoader like any backend. */
class LoggedOrtCpuContractTest extends BackendContractTest {
    @Override
    protected String backendName() {
        return "logged-ort-cpu";
    }
}
