/**
 * The backend service-provider interface. A backend jar registers one or more
 * {@link org.infer4j.spi.BackendProvider}s in {@code META-INF/services/org.infer4j.spi.BackendProvider};
 * its engines usually extend {@link org.infer4j.spi.AbstractInferenceEngine}, which supplies
 * input validation, close handling and a generic {@link org.infer4j.Binding}; a backend's own
 * binding usually extends {@link org.infer4j.spi.AbstractBinding}, which supplies the tensor
 * lookups, the one-run-in-flight rule and a close that waits for that run. Check a new backend
 * against the contract suite, {@code org.infer4j.contract.BackendContractTest}, shipped in the
 * {@code inference-api} test-jar (see README.md, "Writing a backend").
 */
@NullMarked
package org.infer4j.spi;

import org.jspecify.annotations.NullMarked;
