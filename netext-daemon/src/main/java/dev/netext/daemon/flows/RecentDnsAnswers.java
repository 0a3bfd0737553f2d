package dev.netext.daemon.flows;

import dev.netext.api.EventSink;
import dev.netext.api.ProviderEvent;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The last answered {@code DnsQueried} event per name (answers with records only), as the event log numbered it: a
 * cheap tap on the log, bounded (least recently answered names go first). {@link DnsAnswerLinker} reads it to say
 * which answer named a flow.
 */
public final class RecentDnsAnswers implements EventSink {
    static final int MAX_NAMES = 4096;

    private final LinkedHashMap<String, ProviderEvent.DnsQueried> byName = new LinkedHashMap<>(256, 0.75f, true) {
        @Override protected boolean removeEldestEntry(Map.Entry<String, ProviderEvent.DnsQueried> e) { return size() > MAX_NAMES; }
    };

    @Override
    public synchronized void accept(ProviderEvent event) {
        if (event instanceof ProviderEvent.DnsQueried q && q.rcode() == 0 && q.answerCount() > 0)
            byName.put(q.query().name(), q);
    }

    /** The latest answer for {@code name} (normalized), or null. */
    public synchronized ProviderEvent.DnsQueried lastAnswer(String name) { return byName.get(name); }
}
