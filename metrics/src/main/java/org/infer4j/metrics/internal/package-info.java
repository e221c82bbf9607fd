/** Implementation of the metrics module: history ring buffers, threshold tracking, event delivery, NVML. */
@NullMarked
package org.infer4j.metrics.internal;

import org.jspecify.annotations.NullMarked;
