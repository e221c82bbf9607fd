package org.infer4j.tensorrt.internal.build;

import java.time.Duration;
import org.infer4j.ModelLoadException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the JVM's exit until the TensorRT builds in flight have returned. A JVM that exits (on
 * SIGTERM, say) while a thread is inside TensorRT's builder runs the process's exit handlers under
 * it, and TensorRT then crashes in native code; the JavaCPP 1.5.11 preset cannot cancel a build
 * (its {@code IProgressMonitor} cannot be implemented in Java). So a shutdown hook waits for the
 * builds, at most {@value #WAIT_PROPERTY} seconds (default 120), and no build starts once the JVM
 * is shutting down. Thread-safe.
 */
public final class BuildsInFlight {
    /** System property: the longest a JVM's exit waits for TensorRT builds, in seconds. */
    public static final String WAIT_PROPERTY = "infer4j.tensorrt.exitWaitSeconds";
    private static final Logger log = LoggerFactory.getLogger(BuildsInFlight.class);
    private static final BuildsInFlight PROCESS = new BuildsInFlight();

    private int running;
    private boolean shuttingDown;
    private boolean hookAdded;

    BuildsInFlight() {
    }

    /** The one instance of this process, whose shutdown hook is added by the first build. */
    public static BuildsInFlight process() {
        return PROCESS;
    }

    /**
     * Counts a build in; close the result when the build has returned from native code.
     *
     * @param modelName the model being built, for the exception's message
     * @return the build's ticket
     * @throws ModelLoadException if the JVM is shutting down
     */
    public synchronized Ticket enter(String modelName) {
        if (shuttingDown) {
            throw new ModelLoadException("the JVM is shutting down: no TensorRT engine is built for " + modelName);
        }
        if (!hookAdded && this == PROCESS) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> awaitIdle(waitLimit()), "infer4j-tensorrt-exit"));
            hookAdded = true;
        }
        running++;
        return new Ticket();
    }

    /**
     * Refuses new builds and waits for those in flight to return.
     *
     * @param limit the longest to wait
     * @return true if no build is running any more, false if the limit came first
     */
    synchronized boolean awaitIdle(Duration limit) {
        shuttingDown = true;
        if (running > 0) {
            log.warn("waiting up to {} s for {} TensorRT engine build(s) to finish before the JVM exits: TensorRT cannot "
                    + "cancel a build, and exiting under one crashes it", limit.toSeconds(), running);
        }
        long deadline = System.nanoTime() + limit.toNanos();
        boolean interrupted = false;
        while (running > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return running == 0;
    }

    /** Builds running now. */
    synchronized int running() {
        return running;
    }

    private synchronized void leave() {
        running--;
        notifyAll();
    }

    private static Duration waitLimit() {
        try {
            return Duration.ofSeconds(Long.parseLong(System.getProperty(WAIT_PROPERTY, "120").trim()));
        } catch (NumberFormatException e) {
            log.warn("{} must be a whole number of seconds; waiting 120 s", WAIT_PROPERTY);
            return Duration.ofSeconds(120);
        }
    }

    /** One build's place in the count; closing it twice counts once. */
    public final class Ticket implements AutoCloseable {
        private boolean closed;

        private Ticket() {
        }

        @Override
        public void close() {
            synchronized (BuildsInFlight.this) {
                if (!closed) {
                    closed = true;
                    leave();
                }
            }
        }
    }
}
