package org.infer4j;

/** One backend as {@link Backends} sees it: its name, rank in the automatic choice, and availability. */
public record BackendStatus(String name, int priority, String description, Availability availability) {

    public boolean isAvailable() {
        return availability.isAvailable();
    }
}
