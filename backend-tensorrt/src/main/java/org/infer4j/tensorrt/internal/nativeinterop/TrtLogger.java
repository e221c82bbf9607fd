package org.infer4j.tensorrt.internal.nativeinterop;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.bytedeco.tensorrt.nvinfer.ILogger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TensorRT's log, into SLF4J ({@code org.infer4j.tensorrt.TensorRT}); TensorRT INFO is logged at
 * DEBUG and VERBOSE at TRACE, because TensorRT is chatty. A thread may also {@link #capture} what
 * TensorRT says during one operation: error lines for an exception message, and every line for
 * build progress. One instance serves the process (TensorRT keeps the first logger it is given),
 * and it is never freed. Thread-safe.
 */
public final class TrtLogger extends ILogger {
    private static final Logger log = LoggerFactory.getLogger("org.infer4j.tensorrt.TensorRT");
    /** The one logger of the process, handed to every TensorRT builder, runtime and parser. */
    public static final TrtLogger INSTANCE = new TrtLogger();

    private final ThreadLocal<@Nullable Capture> capture = new ThreadLocal<>();
    /** Each thread's capture without a line consumer, reused: inferences capture on every call. */
    private final ThreadLocal<Capture> errorsOnly = ThreadLocal.withInitial(() -> new Capture(null));

    private TrtLogger() {
        // TensorRT calls this logger from any thread for the life of the process (builders, runtimes
        // and parsers keep it). JavaCPP registered a deallocator that would delete the native peer once
        // this object became unreachable (its class unloaded, say, in a container that redeploys):
        // detach it, so the peer is never freed under TensorRT. INSTANCE keeps the Java side strongly
        // reachable for the callbacks that JavaCPP's peer makes into it.
        deallocate(false);
    }

    /**
     * Called by TensorRT, through JavaCPP's callback, on the thread that made the TensorRT call.
     * Nothing may escape: JavaCPP's callback does not check for a pending Java exception, and one
     * left pending across TensorRT's C++ frames is undefined behaviour. A failing SLF4J binding or
     * line consumer therefore loses the message, not the process.
     */
    @Override
    public void log(Severity severity, String message) {
        try {
            record(severity, message);
        } catch (Throwable t) {
            // the logger itself failed: rethrowing into native code is not an option, and there is
            // nowhere left to report it
        }
    }

    private void record(Severity severity, String message) {
        Severity s = severity.intern();
        switch (s) {
            case kINTERNAL_ERROR, kERROR -> log.error(message);
            case kWARNING -> log.warn(message);
            case kINFO -> log.debug(message);
            default -> log.trace(message);
        }
        Capture c = capture.get();
        if (c != null) {
            if (s == Severity.kERROR || s == Severity.kINTERNAL_ERROR) {
                c.errors.add(message);
            }
            if (c.lines != null && s != Severity.kVERBOSE) {
                c.lines.accept(message);
            }
        }
    }

    /**
     * Starts collecting what TensorRT logs on this thread; close the result to stop. Without
     * {@code lines} it allocates nothing after a thread's first call (captures do not nest).
     *
     * @param lines receives every line TensorRT logs on this thread above VERBOSE, or null to collect errors only
     * @return the capture, to close when the operation ends
     */
    public Capture capture(@Nullable Consumer<String> lines) {
        Capture c = lines == null ? errorsOnly.get() : new Capture(lines);
        c.errors.clear();
        capture.set(c);
        return c;
    }

    /** TensorRT's error lines during one operation on one thread. */
    public final class Capture implements AutoCloseable {
        private final List<String> errors = new ArrayList<>();
        private final @Nullable Consumer<String> lines;

        private Capture(@Nullable Consumer<String> lines) {
            this.lines = lines;
        }

        /**
         * TensorRT's error lines so far, for an exception message.
         *
         * @return {@code "; TensorRT said: "} and the lines joined, or {@code ""} if there were none
         */
        public String errors() {
            return errors.isEmpty() ? "" : "; TensorRT said: " + String.join(" | ", errors);
        }

        @Override
        public void close() {
            capture.set(null); // not remove(): that would allocate a new map entry on the next capture
        }
    }
}
