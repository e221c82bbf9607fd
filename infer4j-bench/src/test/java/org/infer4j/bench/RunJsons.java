package org.infer4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The run JSONs a benchmark wrote into a directory, in file-name order. */
final class RunJsons {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RunJsons() {
    }

    static List<JsonNode> in(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<JsonNode> nodes = new ArrayList<>();
            for (Path p : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                nodes.add(JSON.readTree(p.toFile()));
            }
            return nodes;
        }
    }
}
