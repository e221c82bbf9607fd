package org.infer4j;

/**
 * An asynchronous request did not run because its engine was closed first: {@link InferenceEngine#close()}
 * fails every request still waiting in the engine's queue with this exception, while requests already
 * running complete. Nothing of the request was read; its input tensors are the caller's again.
 */
public class EngineClosedException extends InferenceException {
    private static final long serialVersionUID = 1L;

    public EngineClosedException(String message) {
        super(message);
    }
}
