package org.infer4j;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * No candidate of a choice by measurement ({@link AutoSelection}) qualified: each was unavailable,
 * failed to build or run, failed the parity check, or was not measured within the budget. The
 * message holds the table naming each with its reason; {@link #candidates()} gives the rows.
 */
public class SelectionFailedException extends BackendUnavailableException {
    private static final long serialVersionUID = 1L;

    /** Not serialised: the rows are for the process that made the choice. */
    private final transient @Nullable List<Selection.Candidate> candidates;

    /**
     * @param message what was chosen among, with the table
     * @param candidates every candidate with what happened to it
     */
    public SelectionFailedException(String message, List<Selection.Candidate> candidates) {
        super(message);
        this.candidates = List.copyOf(candidates);
    }

    /** @return every candidate with what happened to it, in the order they were taken */
    public List<Selection.Candidate> candidates() {
        return candidates == null ? List.of() : candidates;
    }
}
