package org.infer4j.tensorrt.internal.build;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Read-only access to the TensorRT plans in the backend's engine cache, for diagnostic tools (the
 * examples' {@code EnginePlanProbe}) that load them with a runtime of their own. The cache wraps
 * each plan with a checksum header (see {@link EngineCache}); this strips it. Stateless.
 */
public final class CachedPlans {
    private CachedPlans() {
    }

    /**
     * The serialised TensorRT plan in {@code file}, an engine the backend cached: empty if the file
     * is not a whole, undamaged cache entry under its own name (a plain plan file, e.g., is not).
     *
     * @throws IOException if the file cannot be read
     */
    public static Optional<byte[]> planOf(Path file) throws IOException {
        Path name = file.getFileName();
        if (name == null) {
            return Optional.empty();
        }
        return EngineCache.payloadOf(Files.readAllBytes(file), name.toString());
    }
}
