package dev.netext.api.filter;

import dev.netext.api.ProviderContext;

/** What the host gives a running {@link FilterDataProvider}. */
public interface FilterContext extends ProviderContext {

    /** Resuming paused flows and applying settings. */
    FilterControl control();
}
