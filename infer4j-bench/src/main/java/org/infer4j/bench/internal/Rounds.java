package org.infer4j.bench.internal;

import java.util.List;

/**
 * How a run was split when it was measured in rounds, alternating with runs of other GPU sample
 * periods on the same engine and inputs: the order ({@code ABBA}: the periods as given, then
 * reversed, and so on, which cancels a linear drift) and each round's median latency. Immutable.
 *
 * @param count rounds measured for this period
 * @param periods every period compared, in the order given
 * @param p50Us this period's median latency in each round, microseconds
 */
public record Rounds(int count, String order, List<String> periods, List<Double> p50Us) {
    public Rounds {
        periods = List.copyOf(periods);
        p50Us = List.copyOf(p50Us);
    }
}
