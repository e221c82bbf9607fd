/** Implementation of the ONNX Runtime backends; not a supported API. */
@NullMarked
package org.infer4j.ort.internal;

import org.jspecify.annotations.NullMarked;
