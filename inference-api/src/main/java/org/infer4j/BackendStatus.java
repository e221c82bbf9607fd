package org.infer4j;

/**
 * One backend as {@link Backends} sees it: its name, rank in the automatic choice, and availability.
 *
 * <p>A provider that is registered in {@code META-INF/services} but could not be loaded (a missing
 * jar, a constructor or static initialiser that threw) has no name of its own to report, so its
 * status carries its class name instead, {@code loaded} false, priority {@link Integer#MIN_VALUE}
 * (it is never chosen), and an unavailable {@link Availability} that gives the error and what to do.
 *
 * @param name the backend's name, or the provider's class name when it could not be loaded
 * @param loaded false for a provider that could not be loaded
 */
public record BackendStatus(String name, int priority, String description, Availability availability, boolean loaded) {

    /** The status of a provider that was loaded. */
    public BackendStatus(String name, int priority, String description, Availability availability) {
        this(name, priority, description, availability, true);
    }

    /** The status of a registered provider that could not be loaded; {@code why} is unavailable. */
    static BackendStatus notLoaded(String className, Availability why) {
        return new BackendStatus(className, Integer.MIN_VALUE, "backend provider that could not be loaded", why, false);
    }

    public boolean isAvailable() {
        return availability.isAvailable();
    }
}
