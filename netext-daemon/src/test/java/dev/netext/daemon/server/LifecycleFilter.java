package dev.netext.daemon.server;

import dev.netext.api.filter.FilterContext;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Flow;
import dev.netext.api.tunnel.StopReason;

import java.util.Map;

/** A flow filter that fails once as {@link LifecycleScript} says, then allows every flow. */
public class LifecycleFilter implements FilterDataProvider {
    @Override
    public void startFilter(FilterContext context, Map<String, Object> options) throws Exception {
        LifecycleScript.atStart(options, context::spawn);
    }

    @Override public void stopFilter(StopReason reason) {}

    @Override public FilterVerdict handleNewFlow(Flow flow) { return FinalVerdict.ALLOW; }
}
