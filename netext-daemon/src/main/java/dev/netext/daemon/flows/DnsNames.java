package dev.netext.daemon.flows;

import dev.netext.dns.names.AddressNameMap;
import dev.netext.flow.naming.AddressNames;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The address-to-name maps of every running DNS proxy of the daemon, read as one: the flow engines name flows from
 * it ({@code DNS_MAP}) whichever profile's DNS section answered. Proxies register when they start and leave when they
 * stop, so a flow engine started before the DNS section (the daemon's start order) still sees its answers.
 */
public final class DnsNames implements AddressNames {
    private final List<AddressNameMap> maps = new CopyOnWriteArrayList<>();

    public void add(AddressNameMap map) { maps.add(map); }

    public void remove(AddressNameMap map) { maps.remove(map); }

    @Override
    public List<String> namesOf(InetAddress address) {
        if (maps.isEmpty()) return List.of();
        if (maps.size() == 1) return maps.getFirst().namesFor(address);
        Set<String> out = new LinkedHashSet<>();
        for (AddressNameMap m : maps) out.addAll(m.namesFor(address));
        return List.copyOf(new ArrayList<>(out));
    }
}
