/**
 * The infer4j benchmark, {@link org.infer4j.bench.Benchmark}: latency, throughput and output
 * agreement of backends on ONNX models, as a console table, a JSON file per run and a CSV row.
 */
@NullMarked
package org.infer4j.bench;

import org.jspecify.annotations.NullMarked;
