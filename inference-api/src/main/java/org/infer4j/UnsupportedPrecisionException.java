package org.infer4j;

/**
 * The backend cannot run the model in the requested {@link Precision}, or lacks what that precision
 * needs (INT8 without calibration data or a calibration table). The message names the backend, the
 * precision, and the backends or steps that can provide it. A subtype of
 * {@link BackendUnavailableException}: for this request, the backend cannot run.
 */
public class UnsupportedPrecisionException extends BackendUnavailableException {
    private static final long serialVersionUID = 1L;

    public UnsupportedPrecisionException(String message) {
        super(message);
    }
}
