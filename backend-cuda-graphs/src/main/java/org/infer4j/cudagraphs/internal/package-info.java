/** Implementation of CUDA graph capture and replay; not a supported API. */
@NullMarked
package org.infer4j.cudagraphs.internal;

import org.jspecify.annotations.NullMarked;
