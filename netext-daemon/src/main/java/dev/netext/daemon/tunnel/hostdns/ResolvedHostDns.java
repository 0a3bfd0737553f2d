package dev.netext.daemon.tunnel.hostdns;

import dev.netext.api.tunnel.DnsSettings;
import dev.netext.linux.resolver.ResolvedLinks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;

/** A tunnel's DNS on its own link in systemd-resolved ({@link ResolvedLinks}). */
final class ResolvedHostDns implements HostDns {
    private static final Logger LOG = LoggerFactory.getLogger(ResolvedHostDns.class);

    @Override
    public void apply(String tunnel, int ifindex, DnsSettings dns) throws IOException {
        for (List<String> call : ResolvedLinks.applyCalls(ifindex, dns.servers(), dns.searchDomains(), dns.matchDomains())) {
            ResolvedLinks.run(call);
        }
    }

    @Override
    public void remove(String tunnel, int ifindex) {
        try {
            ResolvedLinks.run(ResolvedLinks.revertCall(ifindex));
        } catch (IOException e) {
            // the link is usually gone already, and resolved dropped its settings with it
            LOG.debug("tunnel {}: RevertLink {}: {}", tunnel, ifindex, e.getMessage());
        }
    }

    @Override
    public String describe() { return "systemd-resolved (link settings over D-Bus)"; }
}
