package org.infer4j.bench.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.infer4j.BackendStatus;

/** Where the benchmark runs: versions of infer4j, Java and native libraries, and the host name. Stateless and thread-safe. */
public final class Environment {
    private static final Pattern ONNX_RUNTIME = Pattern.compile("ONNX Runtime v?(\\d+(?:\\.\\d+)+)");
    private static final Pattern TENSORRT = Pattern.compile("TensorRT v?(\\d+(?:\\.\\d+)+)");
    private static final Pattern CUDA = Pattern.compile("CUDA (?:runtime |driver )?v?(\\d+\\.\\d+(?:\\.\\d+)?)");

    private Environment() {
    }

    /** The version of this build of infer4j. */
    public static String infer4jVersion() {
        try (InputStream in = Environment.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("infer4j.version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read version.properties from the benchmark's jar", e);
        }
    }

    /**
     * infer4j's and Java's versions, and those of ONNX Runtime, TensorRT and CUDA where an
     * available backend's description or availability detail names them (e.g. "ONNX Runtime
     * 1.29.0, CUDA execution provider"); a library no available backend names is left out, since
     * an unavailable one may name a version it looked for and did not find.
     */
    public static Map<String, String> versions(List<BackendStatus> backends) {
        Map<String, String> versions = new LinkedHashMap<>();
        versions.put("infer4j", infer4jVersion());
        versions.put("java", System.getProperty("java.vendor") + " " + System.getProperty("java.runtime.version"));
        for (BackendStatus s : backends) {
            if (!s.isAvailable()) {
                continue;
            }
            String text = s.description() + "; " + s.availability().detail();
            putFirst(versions, "onnxruntime", ONNX_RUNTIME.matcher(text));
            putFirst(versions, "tensorrt", TENSORRT.matcher(text));
            putFirst(versions, "cuda", CUDA.matcher(text));
        }
        return versions;
    }

    /** This machine's name, or {@code unknown} if it has none it can tell. */
    public static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            String env = System.getenv("HOSTNAME");
            return env != null ? env : "unknown";
        }
    }

    private static void putFirst(Map<String, String> versions, String library, Matcher matcher) {
        if (!versions.containsKey(library) && matcher.find()) {
            versions.put(library, matcher.group(1));
        }
    }
}
