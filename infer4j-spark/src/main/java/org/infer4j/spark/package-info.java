/**
 * Apache Spark integration: {@link org.infer4j.spark.InferenceTransformer}, a Spark ML
 * {@code Transformer} that scores DataFrame columns with an infer4j engine kept once per executor JVM.
 */
@NullMarked
package org.infer4j.spark;

import org.jspecify.annotations.NullMarked;
