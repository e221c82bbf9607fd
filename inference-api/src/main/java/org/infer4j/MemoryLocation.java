package org.infer4j;

/** Where a tensor's elements live. */
public enum MemoryLocation {
    /** Host memory the JVM can read: a direct buffer, possibly page-locked. */
    HOST,
    /** GPU memory; reachable from Java only through {@link Tensor#copyFrom(Tensor)}. */
    DEVICE
}
