package org.infer4j;

/**
 * Typed settings for one backend family (e.g. {@code OrtSettings}), passed with
 * {@link EngineBuilder#settings(BackendSettings)}. Backends ignore settings meant for others, so
 * one builder can carry settings for several candidate backends.
 */
public interface BackendSettings {
}
