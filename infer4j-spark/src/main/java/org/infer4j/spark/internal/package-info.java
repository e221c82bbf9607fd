/** Implementation of the Spark integration; not a supported API. */
@NullMarked
package org.infer4j.spark.internal;

import org.jspecify.annotations.NullMarked;
