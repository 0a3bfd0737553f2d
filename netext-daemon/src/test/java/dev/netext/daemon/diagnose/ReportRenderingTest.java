package dev.netext.daemon.diagnose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.netext.api.net.IpFamily;
import dev.netext.linux.netlink.Rule;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ReportRenderingTest {
    private static Diagnosis.Report report() {
        Snap s = new Snap().link(1, "lo", null, true, "127.0.0.1/8")
                .tun(5, "tunf", "10.7.0.1/24").tun(6, "netext0", "10.7.0.129/25")
                .route("10.7.0.0/24", 5, 254).route("10.7.0.0/25", 6, 254).route("127.0.0.0/8", 1, 255)
                .rule(Rule.lookup(IpFamily.V4, 52006).withPriority(10012).withFwmark(0x4e580006).inverted())
                .sysctl("net.ipv4.conf.all.rp_filter", 1)
                .ledger("tunnel-1-4242.state", true, Snap.NETNS, "link name=netext0 index=6",
                        "rule family=4 priority=10012 table=52006 fwmark=1314390022 invert=true")
                .ledger("dns-1-4242.state", true, Snap.NETNS, "nft-table family=inet name=netext-dns");
        return Diagnosis.analyse(s.build());
    }

    @Test
    void textHasSectionsAlignedColumnsAndConflictsLast() {
        Diagnosis.Report r = report();
        String text = TextReport.render(r, false);
        assertThat(text).contains("TUN devices", "Links", "Routes", "Policy rules", "Default routes", "Conflicts");
        assertThat(text).containsPattern("netext0 +6 +up,running +1500 +ours \\(pid 4242\\) +10\\.7\\.0\\.129/25");
        assertThat(text).containsPattern("tunf +5 +up,running +1500 +foreign");
        assertThat(text).contains("10012:  not from all fwmark 0x4e580006 lookup 52006");
        assertThat(text).contains("10.7.0.0/25 dev netext0").doesNotContain("127.0.0.0/8 dev lo");
        assertThat(TextReport.render(r, true)).contains("table local (ipv4)", "127.0.0.0/8 dev lo");
        assertThat(text).contains("✗ error   route-overlap:", "! warning rp-filter-strict:");
        assertThat(text.indexOf("Conflicts")).isGreaterThan(text.indexOf("Default routes"));
        assertThat(text).containsPattern("tunnel-1-4242\\.state +tunnel +4242 +alive +this +2")
                .containsPattern("dns-1-4242\\.state +dns +4242 +alive +this +1");
        assertThat(text.strip()).endsWith("1 error, 3 warnings, 1 note");
        assertThat(r.exitCode()).isEqualTo(1);
    }

    @Test
    void jsonHasTheDocumentedFields() throws Exception {
        JsonNode j = new ObjectMapper().readTree(JsonReport.render(report(), false));
        assertThat(j.get("formatVersion").asInt()).isEqualTo(1);
        assertThat(j.get("exitCode").asInt()).isEqualTo(1);
        assertThat(j.get("summary").get("errors").asInt()).isEqualTo(1);
        JsonNode tun = j.get("tunDevices").get(1);
        assertThat(tun.get("name").asText()).isEqualTo("netext0");
        assertThat(tun.get("owner").asText()).isEqualTo("ours");
        assertThat(tun.get("ownerPid").asInt()).isEqualTo(4242);
        assertThat(tun.get("addresses").get(0).asText()).isEqualTo("10.7.0.129/25");
        assertThat(j.get("tunDevices").get(0).get("owner").asText()).isEqualTo("foreign");
        assertThat(j.get("tunDevices").get(0).get("ledger").isNull()).isTrue();
        assertThat(fieldNames(j)).containsExactly("formatVersion", "namespaceInode", "stateDir", "exitCode", "summary",
                "tunDevices", "links", "routes", "rules", "defaultRoutes", "ledgers", "sysctls", "collectionErrors", "conflicts");
        assertThat(fieldNames(j.get("routes").get(0))).containsExactly("family", "table", "tableId", "destination", "type",
                "dev", "devIndex", "gateway", "metric", "protocol", "scope", "preferredSource", "netextTable", "text");
        assertThat(j.get("routes")).hasSize(2);
        JsonNode rule = j.get("rules").get(1);
        assertThat(rule.get("priority").asLong()).isEqualTo(10012);
        assertThat(rule.get("fwmark").asText()).isEqualTo("0x4e580006");
        assertThat(rule.get("invert").asBoolean()).isTrue();
        assertThat(rule.get("netext").asBoolean()).isTrue();
        assertThat(rule.get("text").asText()).isEqualTo("10012: not from all fwmark 0x4e580006 lookup 52006");
        JsonNode c = j.get("conflicts").get(0);
        assertThat(fieldNames(c)).containsExactly("severity", "code", "message", "fix", "subjects");
        assertThat(c.get("severity").asText()).isEqualTo("error");
        assertThat(c.get("code").asText()).isEqualTo("route-overlap");
        assertThat(j.get("ledgers").get(0).get("file").asText()).isEqualTo(Path.of("/run/netext/tunnel-1-4242.state").toString());
        assertThat(j.get("ledgers").get(0).get("kind").asText()).isEqualTo("tunnel");
        assertThat(j.get("ledgers").get(1).get("kind").asText()).isEqualTo("dns");
        assertThat(j.get("ledgers").get(1).get("nftTables").get(0).asText()).isEqualTo("inet netext-dns");
        assertThat(j.get("sysctls").get("net.ipv4.conf.all.rp_filter").asInt()).isEqualTo(1);
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> out = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
