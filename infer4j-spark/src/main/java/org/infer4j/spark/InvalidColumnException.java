package org.infer4j.spark;

import java.util.Objects;
import org.infer4j.InvalidInputException;

/**
 * A DataFrame column cannot be fed to the model or written as an output: it is missing, has a type
 * that does not map to the model's tensor, holds a null or an array of the wrong length, or an output
 * column already exists. The message names the column, says what was found and what is accepted.
 */
public class InvalidColumnException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    private final String column;

    /**
     * @param column the column's name
     * @param message what is wrong with it and what to do, naming the column
     */
    public InvalidColumnException(String column, String message) {
        super(message);
        this.column = Objects.requireNonNull(column, "column");
    }

    /** The name of the column at fault. */
    public String column() {
        return column;
    }
}
