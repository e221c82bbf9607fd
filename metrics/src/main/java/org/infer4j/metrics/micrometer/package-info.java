/**
 * Micrometer export of the GPU gauges, latency recorders and dynamic batching ({@link org.infer4j.metrics.micrometer.BatchingMetrics}). Needs {@code io.micrometer:micrometer-core}
 * on the class path (an optional dependency of this module: applications without Micrometer pay nothing).
 */
@NullMarked
package org.infer4j.metrics.micrometer;

import org.jspecify.annotations.NullMarked;
