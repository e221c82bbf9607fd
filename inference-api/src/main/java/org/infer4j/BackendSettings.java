package org.infer4j;

/**
 * Typed settings for one backend family (e.g. {@code OrtSettings}), passed with
 * {@link EngineBuilder#settings(BackendSettings)}. Backends ignore settings meant for others, so
 * one builder can carry settings for several candidate backends.
 *
 * <p>Implementations are immutable and give a {@code toString()} that lists every value: a choice
 * by measurement ({@link AutoSelection}) keys its cached decision by it, so settings that differ
 * must print differently.
 */
public interface BackendSettings {
}
