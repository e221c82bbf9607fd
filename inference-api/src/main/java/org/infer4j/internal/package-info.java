/** Implementation details of the API module; not a supported API, may change in any release. */
@NullMarked
package org.infer4j.internal;

import org.jspecify.annotations.NullMarked;
