package org.infer4j;

/**
 * A call's inputs or outputs do not fit the model: an unknown or missing name, the wrong element
 * type, rank or shape. The message names the tensor and gives expected and actual.
 */
public class InvalidInputException extends InferenceException {
    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
