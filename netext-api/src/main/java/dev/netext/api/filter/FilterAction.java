package dev.netext.api.filter;

/** What a {@link FilterRule} does with matching flows: {@code NEFilterAction}. */
public enum FilterAction {
    /** Allow without asking the provider: decided in the kernel, no user-space round trip. */
    ALLOW,
    /** Drop without asking the provider, in the kernel. */
    DROP,
    /** Ask the provider's {@link FilterDataProvider#handleNewFlow}. */
    FILTER_DATA
}
