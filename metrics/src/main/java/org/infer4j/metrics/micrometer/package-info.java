/**
 * Micrometer export of the GPU gauges and latency recorders. Needs {@code io.micrometer:micrometer-core}
 * on the class path (an optional dependency of this module: applications without Micrometer pay nothing).
 */
@NullMarked
package org.infer4j.metrics.micrometer;

import org.jspecify.annotations.NullMarked;
