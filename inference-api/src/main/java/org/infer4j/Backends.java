package org.infer4j;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.infer4j.spi.BackendProvider;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backends on the class path, found with {@link ServiceLoader}. The first thing to run when
 * something does not work: {@code java -cp ... org.infer4j.Backends} prints every backend, whether
 * it can run here, and if not why and what to install.
 *
 * <p>Discovery survives a broken provider. Each registered provider is loaded and instantiated on
 * its own; one that cannot be (a jar it needs is missing, its constructor or static initialiser
 * throws, {@code META-INF/services} names a class that is not there) is left out of the choice,
 * logged as one WARN line, and listed by {@link #statuses()} and {@link #report()} with its class
 * name, the error and what to do, while the others work as usual. A missing optional jar must not
 * take every backend down with it.
 *
 * <p>An instance is an immutable snapshot of one discovery; make a new one to see jars added
 * later. Thread-safe.
 */
public final class Backends {
    /**
     * The system property that overrides the automatic choice: {@code -Dinfer4j.backend=ort-cpu}
     * makes {@link EngineBuilder#build()} without {@link EngineBuilder#backend(String)} take
     * {@code ort-cpu}, so a deployment can pin or rule out a backend without a code change. A
     * backend named in code still wins. See {@link #automatic()}.
     */
    public static final String BACKEND_PROPERTY = "infer4j.backend";

    private static final Logger log = LoggerFactory.getLogger(Backends.class);

    /** ServiceLoader's messages name the provider class: "SERVICE: Provider CLASS not found" and the like. */
    private static final Pattern PROVIDER_IN_MESSAGE = Pattern.compile("^" + Pattern.quote(BackendProvider.class.getName())
            + ": (?:Provider )?(\\S+) (?:not found|could not be instantiated|Unable to get|not a subtype)");
    private static final String UNNAMED_PROVIDER = "(a provider in META-INF/services/" + BackendProvider.class.getName() + ")";
    private static final String NOT_LOADED = "NOT LOADED";
    private static final String BUG_REMEDY = "report it to the backend's maintainers; the stack trace is logged at DEBUG "
            + "by " + Backends.class.getName();

    /** A provider that loaded, with the name and priority it gave at discovery. */
    private record Found(BackendProvider provider, String name, int priority) {
    }

    private final List<Found> providers;
    private final List<BackendStatus> notLoaded;

    private Backends(List<BackendProvider> candidates, List<BackendStatus> notLoaded) {
        List<Found> found = new ArrayList<>();
        List<BackendStatus> broken = new ArrayList<>(notLoaded);
        for (BackendProvider p : candidates) {
            try {
                found.add(new Found(p, Objects.requireNonNull(p.name(), "name()"), p.priority()));
            } catch (RuntimeException | LinkageError e) { // a provider that cannot even say its name is as broken as one that did not load
                broken.add(notLoaded(p.getClass().getName(), e));
            }
        }
        found.sort(Comparator.comparingInt(Found::priority).reversed().thenComparing(Found::name));
        this.providers = List.copyOf(found);
        this.notLoaded = List.copyOf(broken);
    }

    /** The providers visible to the thread's context class loader (or this class's, if it has none). */
    public static Backends discover() {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        return discover(cl != null ? cl : Backends.class.getClassLoader());
    }

    /**
     * The providers visible to {@code classLoader}. Never throws for a provider that cannot be
     * loaded: it is left out, logged at WARN, and listed by {@link #statuses()}.
     */
    public static Backends discover(ClassLoader classLoader) {
        List<BackendProvider> found = new ArrayList<>();
        List<BackendStatus> broken = new ArrayList<>();
        Iterator<BackendProvider> it = ServiceLoader.load(BackendProvider.class, classLoader).iterator();
        String previousUnnamed = null;
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                found.add(it.next()); // loads and instantiates this one provider
            } catch (ServiceConfigurationError | LinkageError e) {
                String className = providerClassName(e);
                String message = String.valueOf(e.getMessage());
                if (className == null && e instanceof ServiceConfigurationError && message.equals(previousUnnamed)) {
                    break; // ServiceLoader cannot read the registrations at all and would repeat itself for ever
                }
                previousUnnamed = className == null ? message : null;
                broken.add(notLoaded(className != null ? className : UNNAMED_PROVIDER, e));
            }
        }
        return new Backends(found, broken);
    }

    /** A fixed set of providers, e.g. for tests or applications that wire backends by hand. */
    public static Backends of(BackendProvider... providers) {
        return new Backends(List.of(providers), List.of());
    }

    /**
     * Every backend with its status, highest priority first; then every registered provider that
     * could not be loaded ({@link BackendStatus#loaded()} false), named by its class.
     */
    public List<BackendStatus> statuses() {
        return Stream.concat(providers.stream().map(f -> new BackendStatus(f.name(), f.priority(), safeDescription(f),
                safeAvailability(f))), notLoaded.stream()).collect(Collectors.toList());
    }

    /** The names of all backends found, highest priority first; providers that could not be loaded have none. */
    public List<String> names() {
        return providers.stream().map(Found::name).collect(Collectors.toList());
    }

    /** The provider called {@code name}, if one was found. */
    public Optional<BackendProvider> find(String name) {
        return providers.stream().filter(f -> f.name().equals(name)).map(Found::provider).findFirst();
    }

    /**
     * The provider called {@code name}, available here.
     *
     * @throws BackendUnavailableException naming the known backends and any provider that could not
     *         be loaded if there is none by that name, or giving the reason and remedy if it cannot run here
     */
    public BackendProvider require(String name) {
        Objects.requireNonNull(name, "name");
        Found f = providers.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow(() ->
                new BackendUnavailableException("no backend named '" + name + "'; found " + (providers.isEmpty() ? "none" : names())
                        + notLoadedSummary()
                        + ". Backends come in their own jars: add org.infer4j:backend-ort (ort-cpu, ort-cuda, ort-tensorrt) "
                        + "or org.infer4j:backend-tensorrt (tensorrt) to the class path."));
        Availability a = safeAvailability(f);
        if (!a.isAvailable()) {
            String message = "backend " + name + " cannot run here: " + a.detail()
                    + (a.remedy().isEmpty() ? "" : ". To fix: " + a.remedy());
            Throwable cause = a.cause();
            throw cause == null ? new BackendUnavailableException(message) : new BackendUnavailableException(message, cause);
        }
        return f.provider();
    }

    /**
     * The available backend of highest priority.
     *
     * @throws BackendUnavailableException listing every backend and why it is unavailable
     */
    public BackendProvider best() {
        for (Found f : providers) {
            if (safeAvailability(f).isAvailable()) {
                return f.provider();
            }
        }
        throw new BackendUnavailableException(providers.isEmpty() && notLoaded.isEmpty()
                ? "no infer4j backend on the class path; add org.infer4j:backend-ort (works on any CPU) or "
                        + "org.infer4j:backend-tensorrt"
                : "no backend can run here:\n" + report());
    }

    /**
     * The backend {@link EngineBuilder#build()} takes when the code names none: the one the system
     * property {@value #BACKEND_PROPERTY} names, if it is set and not blank, else {@link #best()}.
     * The property's value {@code auto} makes the builder choose by measurement
     * ({@link AutoSelection}), which needs the model; here it means {@link #best()}.
     *
     * @throws BackendUnavailableException if the property names a backend that is unknown or cannot
     *         run here (the message names the property), or if it is unset and no backend can run
     */
    public BackendProvider automatic() {
        String name = propertyBackend();
        if (name == null || name.equals(AutoSelection.BACKEND_NAME)) {
            return best();
        }
        try {
            return require(name);
        } catch (BackendUnavailableException e) {
            throw new BackendUnavailableException("the system property " + BACKEND_PROPERTY + "=" + name
                    + " chooses the backend, but " + e.getMessage() + " (or remove -D" + BACKEND_PROPERTY
                    + " to let infer4j choose)", e.getCause() != null ? e.getCause() : e);
        }
    }

    /** The system property {@value #BACKEND_PROPERTY}, trimmed, or null if it is unset or blank. */
    static @Nullable String propertyBackend() {
        String property = System.getProperty(BACKEND_PROPERTY);
        return property == null || property.isBlank() ? null : property.trim();
    }

    /** A table of every backend and its status, then every provider that could not be loaded, for people. */
    public String report() {
        if (providers.isEmpty() && notLoaded.isEmpty()) {
            return "no infer4j backends on the class path\n";
        }
        int width = Math.max(providers.stream().mapToInt(f -> f.name().length()).max().orElse(4),
                notLoaded.isEmpty() ? 0 : NOT_LOADED.length());
        String indent = " ".repeat(width + 2);
        StringBuilder sb = new StringBuilder();
        for (BackendStatus s : statuses()) {
            Availability a = s.availability();
            if (s.loaded()) {
                sb.append(String.format("%-" + width + "s  %-11s  priority %4d  %s%n", s.name(),
                        a.isAvailable() ? "available" : "UNAVAILABLE", s.priority(), s.description()));
            } else {
                sb.append(String.format("%-" + width + "s  provider %s%n", NOT_LOADED, s.name()));
            }
            sb.append(indent).append(a.isAvailable() ? "on: " : "why: ").append(a.detail()).append('\n');
            if (!a.remedy().isEmpty()) {
                sb.append(indent).append("fix: ").append(a.remedy()).append('\n');
            }
        }
        return sb.toString();
    }

    private String notLoadedSummary() {
        return notLoaded.isEmpty() ? "" : "; registered providers that could not be loaded: " + notLoaded.stream()
                .map(s -> s.name() + " (" + s.availability().detail() + ")").collect(Collectors.joining(", "));
    }

    private static Availability safeAvailability(Found f) {
        try {
            return f.provider().availability();
        } catch (RuntimeException | LinkageError e) { // a provider must not throw; if it does, say so rather than fail
            return Availability.unavailable("availability check of " + f.name() + " failed: " + e,
                    "report this as a bug of the backend; the stack trace is in the cause", e);
        }
    }

    private static String safeDescription(Found f) {
        try {
            return f.provider().description();
        } catch (RuntimeException | LinkageError e) {
            return "(its description failed: " + oneLine(e) + ")";
        }
    }

    /** The provider class a ServiceLoader error names, or null (a bare LinkageError names only what was missing). */
    static @Nullable String providerClassName(Throwable e) {
        if (!(e instanceof ServiceConfigurationError) || e.getMessage() == null) {
            return null;
        }
        Matcher m = PROVIDER_IN_MESSAGE.matcher(e.getMessage());
        return m.find() ? m.group(1) : null;
    }

    /** Logs {@code error} as one WARN line and turns it into the status of a provider left out. */
    private static BackendStatus notLoaded(String className, Throwable error) {
        Availability why = diagnose(error);
        log.warn("infer4j backend provider {} could not be loaded and is left out: {}. To fix: {}", className, why.detail(),
                why.remedy());
        log.debug("the error that kept backend provider {} out", className, error);
        return BackendStatus.notLoaded(className, why);
    }

    /** What went wrong in loading a provider, and what to do, from ServiceLoader's error and its causes. */
    static Availability diagnose(Throwable error) {
        int depth = 0;
        for (Throwable t = error; t != null && depth < 16; t = t.getCause(), depth++) {
            if (t instanceof ExceptionInInitializerError) {
                Throwable thrown = t.getCause() != null ? t.getCause() : t;
                return Availability.unavailable("its static initialiser threw " + oneLine(thrown), BUG_REMEDY, error);
            }
            String message = String.valueOf(t.getMessage());
            if (t instanceof NoClassDefFoundError && message.startsWith("Could not initialize class ")) {
                return Availability.unavailable(message.replace("Could not initialize class ", "class ")
                        + " failed its static initialisation earlier in this JVM", BUG_REMEDY, error);
            }
            if (t instanceof NoClassDefFoundError || t instanceof ClassNotFoundException) {
                String missing = String.valueOf(t.getMessage()).replace('/', '.');
                return Availability.unavailable("class " + missing + ", which it needs, is not on the class path",
                        "put " + jarOf(missing) + " on the class path (a hand-made class path or a shaded jar can leave "
                                + "a dependency out)", error);
            }
            if (t instanceof UnsatisfiedLinkError) {
                return Availability.unavailable("a native library did not load: " + oneLine(t),
                        "install the library it names, or add its folder to LD_LIBRARY_PATH (PATH on Windows); the "
                                + "backend's documentation lists what it needs", error);
            }
        }
        String message = String.valueOf(error.getMessage());
        if (error instanceof ServiceConfigurationError && error.getCause() == null) {
            if (message.endsWith(" not found")) {
                return Availability.unavailable("META-INF/services names this class, but it is not on the class path",
                        "use infer4j jars of one version, or remove the stale registration", error);
            }
            if (message.endsWith(" not a subtype")) {
                return Availability.unavailable("the class does not implement " + BackendProvider.class.getName()
                        + " as loaded here (jars of different versions, or two copies in different class loaders)",
                        "use org.infer4j:inference-api of the backend's version, once on the class path", error);
            }
            return Availability.unavailable("ServiceLoader failed: " + message, "check the class path's "
                    + "META-INF/services/" + BackendProvider.class.getName() + " files", error);
        }
        Throwable thrown = error instanceof ServiceConfigurationError && error.getCause() != null ? error.getCause() : error;
        return Availability.unavailable("its constructor threw " + oneLine(thrown), BUG_REMEDY, error);
    }

    /** Which jar brings {@code className}, for the dependencies infer4j's backends have. */
    private static String jarOf(String className) {
        if (className.startsWith("ai.onnxruntime.")) {
            return "com.microsoft.onnxruntime:onnxruntime_gpu (a dependency of org.infer4j:backend-ort)";
        }
        if (className.startsWith("org.bytedeco.")) {
            return "org.bytedeco:javacpp, cuda and tensorrt with their linux-x86_64 jars (dependencies of "
                    + "org.infer4j:backend-tensorrt)";
        }
        if (className.startsWith("org.infer4j.")) {
            return "the org.infer4j jars of one version";
        }
        return "the jar that contains " + className;
    }

    private static String oneLine(Throwable t) {
        String message = t.getMessage();
        return t.getClass().getSimpleName() + (message == null ? "" : ": " + message.lines().findFirst().orElse(""));
    }

    /** Prints {@link #report()} and what the automatic choice takes, or why it fails. */
    public static void main(String[] args) {
        Backends backends = discover();
        System.out.print(backends.report());
        try {
            String chosen = backends.automatic().name();
            String named = propertyBackend();
            System.out.println("automatic choice: " + chosen + (named == null
                    ? " (override with -D" + BACKEND_PROPERTY + "=NAME, or choose by measurement with =auto)"
                    : named.equals(AutoSelection.BACKEND_NAME)
                    ? " by priority; -D" + BACKEND_PROPERTY + "=auto chooses by measurement when a model is built"
                    : " (from -D" + BACKEND_PROPERTY + "=" + named + ")"));
        } catch (BackendUnavailableException e) {
            System.out.println("automatic choice: none; " + String.valueOf(e.getMessage()).lines().findFirst().orElse("").replaceAll(":$", ""));
        }
    }
}
