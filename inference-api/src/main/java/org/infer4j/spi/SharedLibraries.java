package org.infer4j.spi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Whether Linux's dynamic loader would find a shared library by its soname, told without loading
 * it: loading a library that is not there costs a failed {@code dlopen}, and ONNX Runtime prints
 * each failure to stderr. The loader looks, in this order, among the libraries the process already
 * has, in {@code LD_LIBRARY_PATH}, in the {@code /etc/ld.so.cache} that {@code ldconfig} builds, and
 * in the default folders; so does this class. It also knows the folders where CUDA and TensorRT
 * install themselves without telling the loader ({@code /usr/local/cuda*}), to say where a library
 * lies that the loader will not find. Linux only; immutable and thread-safe.
 *
 * <p>For GPU backends: {@link #NVIDIA_DRIVER} missing means no CUDA code can run, so an
 * availability check that looks for it first answers at once on a machine without an NVIDIA
 * driver, where loading CUDA bindings would cost time and print loader errors.
 */
public final class SharedLibraries {
    /** The NVIDIA driver's user-space library; every CUDA program needs it, and only the driver brings it. */
    public static final String NVIDIA_DRIVER = "libcuda.so.1";

    /** The folders the loader searches without being told, on x86-64 Linux distributions. */
    static final List<Path> DEFAULT_FOLDERS = List.of(Path.of("/lib"), Path.of("/usr/lib"), Path.of("/lib64"),
            Path.of("/usr/lib64"), Path.of("/lib/x86_64-linux-gnu"), Path.of("/usr/lib/x86_64-linux-gnu"));

    private final List<Path> loaderFolders;
    private final byte[] ldCache;
    private final Set<String> loaded;
    private final List<Path> otherFolders;

    /**
     * A loader's view given by hand, for tests and for callers that know other folders.
     *
     * @param loaderFolders where the loader looks: LD_LIBRARY_PATH's folders, then the default ones
     * @param ldCache the contents of {@code /etc/ld.so.cache} (empty if there is none)
     * @param loaded the file names of the libraries the process has loaded
     * @param otherFolders where libraries are often installed without the loader looking there
     */
    public SharedLibraries(List<Path> loaderFolders, byte[] ldCache, Set<String> loaded, List<Path> otherFolders) {
        this.loaderFolders = List.copyOf(loaderFolders);
        this.ldCache = ldCache.clone();
        this.loaded = Set.copyOf(loaded);
        this.otherFolders = List.copyOf(otherFolders);
    }

    /**
     * What this process's loader sees now. Reads a few small files and loads nothing; never throws.
     *
     * @return a snapshot; libraries installed or loaded later are not in it
     */
    public static SharedLibraries ofThisProcess() {
        List<Path> folders = new ArrayList<>(folders(System.getenv("LD_LIBRARY_PATH")));
        folders.addAll(DEFAULT_FOLDERS);
        List<Path> others = new ArrayList<>();
        others.addAll(matching(Path.of("/usr/local"), "cuda*", "lib64"));
        others.addAll(matching(Path.of("/usr/local"), "cuda*", "targets/x86_64-linux/lib"));
        others.addAll(matching(Path.of("/usr/local"), "TensorRT*", "lib"));
        return new SharedLibraries(folders, readOrEmpty(Path.of("/etc/ld.so.cache")), loadedLibraries(), others);
    }

    /**
     * Whether the loader would find {@code soname}.
     *
     * @param soname a library's file name as programs link against it, e.g. {@code libcudart.so.12}
     * @return true if it is loaded already, in a folder of {@code LD_LIBRARY_PATH} or a default one, or in the ld.so cache
     */
    public boolean has(String soname) {
        if (loaded.contains(soname)) {
            return true;
        }
        for (Path folder : loaderFolders) {
            if (Files.exists(folder.resolve(soname))) {
                return true;
            }
        }
        return inLdCache(soname);
    }

    /**
     * Those of {@code sonames} the loader would not find.
     *
     * @param sonames library file names, e.g. {@code libcudart.so.12}
     * @return the ones {@link #has} denies, in the given order
     */
    public List<String> missing(List<String> sonames) {
        return sonames.stream().filter(s -> !has(s)).toList();
    }

    /**
     * A folder the loader does not search that holds {@code soname}, to tell a user where a library
     * lies that the loader will not find.
     *
     * @param soname a library file name
     * @return the first such folder, or empty
     */
    public Optional<Path> elsewhere(String soname) {
        return otherFolders.stream().filter(f -> Files.exists(f.resolve(soname))).findFirst();
    }

    /** @return where the loader looks, for messages */
    public String searched() {
        return "LD_LIBRARY_PATH, the ld.so cache and " + String.join(", ", DEFAULT_FOLDERS.stream().map(Path::toString).toList());
    }

    /**
     * Whether the ld.so cache maps {@code soname} to a file that exists. Both cache formats keep each
     * entry's soname and full path as NUL-terminated strings, so it suffices to look for
     * {@code /soname\0} and read the path back to the NUL before it.
     */
    private boolean inLdCache(String soname) {
        byte[] needle = ("/" + soname + "\0").getBytes(StandardCharsets.US_ASCII);
        for (int i = indexOf(ldCache, needle, 0); i >= 0; i = indexOf(ldCache, needle, i + 1)) {
            int start = i;
            while (start > 0 && ldCache[start - 1] != 0) {
                start--;
            }
            String path = new String(ldCache, start, i - start + needle.length - 1, StandardCharsets.US_ASCII);
            if (path.startsWith("/") && Files.exists(Path.of(path))) {
                return true;
            }
        }
        return false;
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static List<Path> folders(@Nullable String pathList) {
        if (pathList == null || pathList.isBlank()) {
            return List.of();
        }
        List<Path> folders = new ArrayList<>();
        for (String entry : pathList.split(":")) {
            if (!entry.isBlank()) {
                folders.add(Path.of(entry));
            }
        }
        return folders;
    }

    private static List<Path> matching(Path parent, String glob, String below) {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(parent)) {
            return found;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(parent, glob)) {
            for (Path dir : dirs) {
                Path folder = dir.resolve(below);
                if (Files.isDirectory(folder)) {
                    found.add(folder);
                }
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable folder only costs a hint in a message
        }
        found.sort(null);
        return found;
    }

    /** The file names of the shared objects mapped into this process, from /proc/self/maps. */
    private static Set<String> loadedLibraries() {
        Set<String> names = new LinkedHashSet<>();
        for (String line : new String(readOrEmpty(Path.of("/proc/self/maps")), StandardCharsets.UTF_8).split("\n")) {
            int slash = line.lastIndexOf('/');
            if (slash >= 0 && line.contains(".so")) {
                names.add(line.substring(slash + 1).trim());
            }
        }
        return names;
    }

    private static byte[] readOrEmpty(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException | RuntimeException e) {
            return new byte[0];
        }
    }
}
