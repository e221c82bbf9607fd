package org.infer4j;

/** The model could not be read, parsed or compiled by the backend (missing file, corrupt bytes, unsupported op). */
public class ModelLoadException extends InferenceException {
    private static final long serialVersionUID = 1L;

    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
