package org.infer4j;

/**
 * The base of every exception infer4j throws on purpose. Unchecked: most callers can do nothing
 * but report it, and those who can catch the subtype they care about.
 */
public class InferenceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InferenceException(String message) {
        super(message);
    }

    public InferenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
