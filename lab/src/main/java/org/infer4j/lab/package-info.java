/**
 * The lab: diagnostics of the machines infer4j is measured on, apart from the library and its
 * benchmark. {@link org.infer4j.lab.HostJitter} measures how much each CPU of a host takes from a
 * spinning thread, the floor under the tail latency of short calls (docs/performance.md).
 */
@NullMarked
package org.infer4j.lab;

import org.jspecify.annotations.NullMarked;
