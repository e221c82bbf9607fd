package org.infer4j;

/**
 * The requested backend is unknown or cannot run here. The message says why (a missing native
 * library by name, no CUDA device, an old driver) and what to install or change.
 */
public class BackendUnavailableException extends InferenceException {
    private static final long serialVersionUID = 1L;

    public BackendUnavailableException(String message) {
        super(message);
    }

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
