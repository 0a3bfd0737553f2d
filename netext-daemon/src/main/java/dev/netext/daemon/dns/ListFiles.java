package dev.netext.daemon.dns;

import dev.netext.daemon.profile.DnsListRule;
import dev.netext.daemon.profile.ProfileList;
import dev.netext.dns.lists.WatchedList;
import dev.netext.dns.split.ListRule;
import dev.netext.flow.rules.FlowList;
import dev.netext.flow.rules.FlowRule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens the list files a profile's rules name ({@code lists:}), for its DNS server and its rules filter alike: each
 * file is read once and watched ({@link WatchedList}); loads, reloads and failed reloads are logged.
 */
public final class ListFiles {
    private static final Logger log = LoggerFactory.getLogger(ListFiles.class);

    private ListFiles() {}

    public static WatchedList open(String name, Path file) throws IOException {
        return WatchedList.open(name, file, line -> log.info("{}", line));
    }

    /** The split-DNS list rules of a {@code dns:} section, their files read now. */
    public static List<ListRule> dnsRules(List<DnsListRule> rules) throws IOException {
        List<ListRule> out = new ArrayList<>();
        for (DnsListRule r : rules) out.add(new ListRule(open(r.list(), r.file()), r.decision()));
        return out;
    }

    /** The rules with each {@link ProfileList} replaced by the loaded, watched list. */
    public static List<FlowRule> bindFlowRules(List<FlowRule> rules) {
        List<FlowRule> out = new ArrayList<>();
        for (FlowRule r : rules) {
            if (r.list() instanceof ProfileList p) {
                try {
                    out.add(r.withList(forFlows(open(p.name(), p.file()))));
                } catch (IOException e) {
                    throw new UncheckedIOException("list " + p.name() + " (" + p.file() + "): cannot be read", e);
                }
            } else {
                out.add(r);
            }
        }
        return out;
    }

    /** A flow rule's view of a watched list: the list in effect at each question. */
    static FlowList forFlows(WatchedList w) {
        return new FlowList() {
            @Override public String name() { return w.name(); }
            @Override public boolean containsHost(String host) { return w.containsName(host); }
            @Override public boolean containsAddress(InetAddress address) { return w.containsAddress(address); }
            @Override public String toString() { return "list " + w.name(); }
        };
    }
}
