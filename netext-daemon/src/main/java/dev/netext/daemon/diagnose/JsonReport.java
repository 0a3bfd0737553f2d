package dev.netext.daemon.diagnose;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;
import dev.netext.linux.netlink.Link;
import dev.netext.linux.netlink.Route;
import dev.netext.linux.netlink.Rule;
import dev.netext.linux.state.LedgerEntry;

import java.net.InetAddress;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;

/**
 * The machine form of a {@link Diagnosis.Report}: one JSON document with stable field names (listed in
 * {@code DiagnoseCommand}'s documentation). Built node by node, not by reflection, so that renaming a Java
 * accessor cannot change the format.
 */
public final class JsonReport {
    /** Bumped when a field is removed or changes meaning; adding fields does not bump it. */
    public static final int FORMAT_VERSION = 1;
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonReport() {}

    public static String render(Diagnosis.Report report, boolean all) {
        try {
            return MAPPER.writeValueAsString(tree(report, all));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ObjectNode tree(Diagnosis.Report report, boolean all) {
        NetworkSnapshot s = report.snapshot();
        ObjectNode root = MAPPER.createObjectNode();
        root.put("formatVersion", FORMAT_VERSION);
        root.put("namespaceInode", s.namespaceInode());
        root.put("stateDir", s.stateDir().toString());
        root.put("exitCode", report.exitCode());
        ObjectNode summary = root.putObject("summary");
        summary.put("errors", report.count(Severity.ERROR));
        summary.put("warnings", report.count(Severity.WARNING));
        summary.put("infos", report.count(Severity.INFO));

        ArrayNode tuns = root.putArray("tunDevices");
        for (Link l : s.tunDevices()) {
            ObjectNode t = tuns.addObject();
            t.put("name", l.name());
            t.put("index", l.index());
            t.put("up", l.up());
            t.put("running", l.running());
            t.put("mtu", l.mtu());
            var owner = s.ownerOf(l);
            t.put("owner", owner.isPresent() ? "ours" : "foreign");
            if (owner.isPresent()) {
                t.put("ownerPid", owner.get().pid());
                t.put("ledger", owner.get().file().toString());
            } else {
                t.putNull("ownerPid");
                t.putNull("ledger");
            }
            addresses(t.putArray("addresses"), s, l);
        }

        ArrayNode links = root.putArray("links");
        for (Link l : s.links().stream().sorted(Comparator.comparingInt(Link::index)).toList()) {
            ObjectNode o = links.addObject();
            o.put("name", l.name());
            o.put("index", l.index());
            o.put("kind", l.kind());
            o.put("tun", NetworkSnapshot.isTun(l));
            o.put("up", l.up());
            o.put("running", l.running());
            o.put("mtu", l.mtu());
            int rp = s.effectiveRpFilter(l.name());
            if (rp < 0) o.putNull("rpFilter");
            else o.put("rpFilter", rp);
            addresses(o.putArray("addresses"), s, l);
        }

        ArrayNode routes = root.putArray("routes");
        for (IpFamily f : IpFamily.values()) {
            for (Route r : s.routes(f)) {
                if (r.table() == NetworkSnapshot.TABLE_LOCAL && !all) continue;
                ObjectNode o = routes.addObject();
                o.put("family", NetworkSnapshot.familyName(f));
                o.put("table", NetworkSnapshot.tableName(r.table()));
                o.put("tableId", Integer.toUnsignedLong(r.table()));
                o.put("destination", r.destination().toString());
                o.put("type", r.type().name().toLowerCase(Locale.ROOT));
                if (r.outputInterface() == 0) o.putNull("dev");
                else o.put("dev", s.linkName(r.outputInterface()));
                o.put("devIndex", r.outputInterface());
                o.put("gateway", addr(r.gateway()));
                o.put("metric", Integer.toUnsignedLong(r.metric()));
                o.put("protocol", r.protocol());
                o.put("scope", r.scope());
                o.put("preferredSource", addr(r.preferredSource()));
                o.put("netextTable", NetworkSnapshot.isNetextTable(r.table()));
                o.put("text", Format.route(r, s));
            }
        }

        ArrayNode rules = root.putArray("rules");
        for (IpFamily f : IpFamily.values()) {
            var sameFamily = s.rules(f);
            for (Rule r : sameFamily) {
                ObjectNode o = rules.addObject();
                o.put("family", NetworkSnapshot.familyName(f));
                o.put("priority", Integer.toUnsignedLong(r.priority()));
                o.put("action", r.action().name().toLowerCase(Locale.ROOT));
                if (r.table() == 0) o.putNull("table");
                else o.put("table", NetworkSnapshot.tableName(r.table()));
                o.put("tableId", Integer.toUnsignedLong(r.table()));
                if (r.fwmark() == 0 && r.fwmask() == 0) {
                    o.putNull("fwmark");
                    o.putNull("fwmask");
                } else {
                    o.put("fwmark", "0x" + Integer.toHexString(r.fwmark()));
                    o.put("fwmask", "0x" + Integer.toHexString(PolicyRouting.mask(r)));
                }
                o.put("invert", r.invert());
                if (r.suppressPrefixLength() < 0) o.putNull("suppressPrefixLength");
                else o.put("suppressPrefixLength", r.suppressPrefixLength());
                o.put("from", prefix(r.from()));
                o.put("to", prefix(r.to()));
                o.put("iif", r.iifName());
                o.put("oif", r.oifName());
                o.put("netext", ConflictDetector.isNetextRule(r, sameFamily));
                o.put("text", ConflictDetector.ruleText(r));
            }
        }

        ArrayNode defaults = root.putArray("defaultRoutes");
        for (PolicyRouting.DefaultRoute d : report.defaultRoutes()) {
            ObjectNode o = defaults.addObject();
            Route r = d.route();
            o.put("family", NetworkSnapshot.familyName(d.family()));
            o.put("table", NetworkSnapshot.tableName(r.table()));
            o.put("tableId", Integer.toUnsignedLong(r.table()));
            o.put("type", r.type().name().toLowerCase(Locale.ROOT));
            if (r.outputInterface() == 0) o.putNull("dev");
            else o.put("dev", s.linkName(r.outputInterface()));
            o.put("gateway", addr(r.gateway()));
            o.put("metric", Integer.toUnsignedLong(r.metric()));
            o.put("rulePriority", Integer.toUnsignedLong(d.rule().priority()));
            o.put("rule", ConflictDetector.ruleText(d.rule()));
            o.put("active", d.active());
            o.put("text", Format.route(r, s));
        }

        ArrayNode ledgers = root.putArray("ledgers");
        for (LedgerState l : s.ledgers()) {
            ObjectNode o = ledgers.addObject();
            o.put("file", l.file().toString());
            o.put("kind", l.kind());
            o.put("pid", l.pid());
            o.put("ownerAlive", l.ownerAlive());
            o.put("netns", l.netns());
            o.put("thisNamespace", l.here());
            o.put("namespace", l.place().name().toLowerCase(Locale.ROOT));
            ArrayNode ln = o.putArray("links");
            l.linkNames().forEach(ln::add);
            ArrayNode tb = o.putArray("tables");
            l.tables().forEach(tb::add);
            ArrayNode nt = o.putArray("nftTables");
            l.nftTables().forEach(nt::add);
            ArrayNode en = o.putArray("entries");
            for (LedgerEntry e : l.entries()) en.add(e.toLine());
        }

        ObjectNode sysctls = root.putObject("sysctls");
        s.sysctls().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> sysctls.put(e.getKey(), e.getValue()));

        ArrayNode errors = root.putArray("collectionErrors");
        s.collectionErrors().forEach(errors::add);

        ArrayNode conflicts = root.putArray("conflicts");
        for (Conflict c : report.conflicts()) {
            ObjectNode o = conflicts.addObject();
            o.put("severity", c.severity().label());
            o.put("code", c.code());
            o.put("message", c.message());
            o.put("fix", c.fix());
            ArrayNode subj = o.putArray("subjects");
            c.subjects().forEach(subj::add);
        }
        return root;
    }

    private static void addresses(ArrayNode out, NetworkSnapshot s, Link l) {
        s.addressesOf(l.index()).forEach(a -> out.add(a.prefix().toString()));
    }

    private static String addr(InetAddress a) { return a == null ? null : IpPrefix.format(a); }

    private static String prefix(IpPrefix p) { return p == null ? null : p.toString(); }
}
