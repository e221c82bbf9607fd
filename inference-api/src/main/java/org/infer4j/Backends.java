package org.infer4j;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.infer4j.spi.BackendProvider;

/**
 * The backends on the class path, found with {@link ServiceLoader}. The first thing to run when
 * something does not work: {@code java -cp ... org.infer4j.Backends} prints every backend, whether
 * it can run here, and if not why and what to install.
 *
 * <p>An instance is an immutable snapshot of one discovery; make a new one to see jars added
 * later. Thread-safe.
 */
public final class Backends {
    private final List<BackendProvider> providers;

    private Backends(List<BackendProvider> providers) {
        List<BackendProvider> sorted = new ArrayList<>(providers);
        sorted.sort(Comparator.comparingInt(BackendProvider::priority).reversed().thenComparing(BackendProvider::name));
        this.providers = List.copyOf(sorted);
    }

    /** The providers visible to the thread's context class loader (or this class's, if it has none). */
    public static Backends discover() {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        return discover(cl != null ? cl : Backends.class.getClassLoader());
    }

    /** The providers visible to {@code classLoader}. */
    public static Backends discover(ClassLoader classLoader) {
        List<BackendProvider> found = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class, classLoader).forEach(found::add);
        return new Backends(found);
    }

    /** A fixed set of providers, e.g. for tests or applications that wire backends by hand. */
    public static Backends of(BackendProvider... providers) {
        return new Backends(List.of(providers));
    }

    /** Every backend with its status, highest priority first. */
    public List<BackendStatus> statuses() {
        return providers.stream()
                .map(p -> new BackendStatus(p.name(), p.priority(), p.description(), safeAvailability(p)))
                .collect(Collectors.toList());
    }

    /** The names of all backends found, highest priority first. */
    public List<String> names() {
        return providers.stream().map(BackendProvider::name).collect(Collectors.toList());
    }

    /** The provider called {@code name}, if one was found. */
    public Optional<BackendProvider> find(String name) {
        return providers.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /**
     * The provider called {@code name}, available here.
     *
     * @throws BackendUnavailableException naming the known backends if there is none by that name,
     *         or giving the reason and remedy if it cannot run here
     */
    public BackendProvider require(String name) {
        Objects.requireNonNull(name, "name");
        BackendProvider p = find(name).orElseThrow(() -> new BackendUnavailableException(
                "no backend named '" + name + "'; found " + (providers.isEmpty() ? "none" : names())
                        + ". Backends come in their own jars: add org.infer4j:backend-ort (ort-cpu, ort-cuda, ort-tensorrt) "
                        + "or org.infer4j:backend-tensorrt (tensorrt) to the class path."));
        Availability a = safeAvailability(p);
        if (!a.isAvailable()) {
            throw new BackendUnavailableException("backend " + name + " cannot run here: " + a.detail()
                    + (a.remedy().isEmpty() ? "" : ". To fix: " + a.remedy()), a.cause());
        }
        return p;
    }

    /**
     * The available backend of highest priority.
     *
     * @throws BackendUnavailableException listing every backend and why it is unavailable
     */
    public BackendProvider best() {
        for (BackendProvider p : providers) {
            if (safeAvailability(p).isAvailable()) {
                return p;
            }
        }
        throw new BackendUnavailableException(providers.isEmpty()
                ? "no infer4j backend on the class path; add org.infer4j:backend-ort (works on any CPU) or "
                        + "org.infer4j:backend-tensorrt"
                : "no backend can run here:\n" + report());
    }

    /** A table of every backend and its status, for people. */
    public String report() {
        List<BackendStatus> all = statuses();
        if (all.isEmpty()) {
            return "no infer4j backends on the class path\n";
        }
        int width = all.stream().mapToInt(s -> s.name().length()).max().orElse(4);
        StringBuilder sb = new StringBuilder();
        for (BackendStatus s : all) {
            Availability a = s.availability();
            sb.append(String.format("%-" + width + "s  %-11s  priority %4d  %s%n", s.name(),
                    a.isAvailable() ? "available" : "UNAVAILABLE", s.priority(), s.description()));
            sb.append(" ".repeat(width + 2)).append(a.isAvailable() ? "on: " : "why: ").append(a.detail()).append('\n');
            if (!a.remedy().isEmpty()) {
                sb.append(" ".repeat(width + 2)).append("fix: ").append(a.remedy()).append('\n');
            }
        }
        return sb.toString();
    }

    private static Availability safeAvailability(BackendProvider p) {
        try {
            return p.availability();
        } catch (RuntimeException | LinkageError e) { // a provider must not throw; if it does, say so rather than fail
            return Availability.unavailable("availability check of " + p.name() + " failed: " + e,
                    "report this as a bug of the backend; the stack trace is in the cause", e);
        }
    }

    /** Prints {@link #report()}. */
    public static void main(String[] args) {
        System.out.print(discover().report());
    }
}
