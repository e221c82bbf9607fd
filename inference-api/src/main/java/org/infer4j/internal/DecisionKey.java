package org.infer4j.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.infer4j.AutoSelection;
import org.infer4j.EngineBuilder;
import org.infer4j.spi.EngineConfig;

/**
 * What a choice by measurement depends on, as text: a later start with the same text may reuse
 * the decision. It holds the model's digest, the machine's GPUs and NVIDIA driver as the kernel
 * reports them (no native code is loaded to find out), the versions of infer4j and of every
 * candidate with its description and availability (which name the native libraries' versions),
 * the engine configuration and the selection options. Immutable.
 *
 * @param text one {@code key=value} line per item
 */
record DecisionKey(String text) {
    /** Bumped when the key's or the decision file's meaning changes. */
    static final int FORMAT = 1;

    /** Where Linux's NVIDIA kernel module reports itself and its GPUs. */
    static final Path NVIDIA_PROC = Path.of("/proc/driver/nvidia");

    /**
     * @param candidates one line per candidate backend: name, version, description and availability
     */
    static DecisionKey of(EngineConfig config, AutoSelection options, List<String> candidates) {
        StringBuilder sb = new StringBuilder();
        sb.append("format=").append(FORMAT).append('\n');
        sb.append("infer4j=").append(versionOf(EngineBuilder.class)).append('\n');
        sb.append("model=sha256:").append(config.modelDigest()).append('\n');
        sb.append("gpus=").append(gpus(NVIDIA_PROC)).append('\n');
        String visible = System.getenv("CUDA_VISIBLE_DEVICES");
        sb.append("CUDA_VISIBLE_DEVICES=").append(visible == null ? "(unset)" : visible).append('\n');
        sb.append(config.describe());
        sb.append(options.describe());
        candidates.forEach(c -> sb.append("candidate=").append(c.replace('\n', ' ')).append('\n'));
        return new DecisionKey(sb.toString());
    }

    /** The Implementation-Version of {@code type}'s jar, or {@code unversioned} for classes outside a versioned jar. */
    static String versionOf(Class<?> type) {
        Package p = type.getPackage();
        String version = p == null ? null : p.getImplementationVersion();
        return version == null ? "unversioned" : version;
    }

    /**
     * The NVIDIA driver's version line and each GPU's model, from the kernel module's files under
     * {@code proc}, or {@code no GPU} where there are none.
     */
    static String gpus(Path proc) {
        List<String> parts = new ArrayList<>();
        try {
            Path version = proc.resolve("version");
            if (Files.isReadable(version)) {
                Files.readAllLines(version, StandardCharsets.UTF_8).stream().findFirst().map(String::strip).ifPresent(parts::add);
            }
            Path gpus = proc.resolve("gpus");
            if (Files.isDirectory(gpus)) {
                List<String> models = new ArrayList<>();
                try (DirectoryStream<Path> dirs = Files.newDirectoryStream(gpus)) {
                    for (Path gpu : dirs) {
                        Path information = gpu.resolve("information");
                        if (Files.isReadable(information)) {
                            Files.readAllLines(information, StandardCharsets.UTF_8).stream()
                                    .filter(l -> l.startsWith("Model:")).findFirst()
                                    .ifPresent(l -> models.add(gpu.getFileName() + " " + l.substring("Model:".length()).strip()));
                        }
                    }
                }
                models.sort(null);
                parts.addAll(models);
            }
        } catch (IOException | RuntimeException e) {
            parts.add("unreadable: " + e.getClass().getSimpleName());
        }
        return parts.isEmpty() ? "no GPU" : String.join("; ", parts);
    }

    /** The lower-case hex SHA-256 of the text: the decision file's name. */
    String digest() {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
