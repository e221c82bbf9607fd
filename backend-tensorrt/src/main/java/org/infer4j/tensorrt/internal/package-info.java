/** The {@code tensorrt} backend's implementation; not an API. */
@NullMarked
package org.infer4j.tensorrt.internal;

import org.jspecify.annotations.NullMarked;
