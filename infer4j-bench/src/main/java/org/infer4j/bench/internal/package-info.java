/**
 * How the benchmark works: input shapes and values from model metadata, the measurement loop,
 * output agreement, and the report formats. Not an API; it changes with the benchmark.
 */
@NullMarked
package org.infer4j.bench.internal;

import org.jspecify.annotations.NullMarked;
