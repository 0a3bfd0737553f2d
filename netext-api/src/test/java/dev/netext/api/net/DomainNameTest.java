package dev.netext.api.net;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DomainNameTest {

    @Test
    void normalizesCaseTrailingDotAndUnicode() {
        assertThat(DomainName.normalize("WWW.Example.COM.")).isEqualTo("www.example.com");
        assertThat(DomainName.normalize(".")).isEmpty();
        assertThat(DomainName.normalize("bücher.example")).isEqualTo("xn--bcher-kva.example");
        assertThat(DomainName.normalize("_sip._tcp.example")).isEqualTo("_sip._tcp.example");
    }

    @Test
    void rejectsMalformedNames() {
        assertThatThrownBy(() -> DomainName.normalize("a..b")).hasMessageContaining("empty label");
        assertThatThrownBy(() -> DomainName.normalize("x".repeat(64) + ".example")).hasMessageContaining("63");
        assertThatThrownBy(() -> DomainName.normalize("a b.example")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DomainName.normalize(("abcdefghi.").repeat(26))).hasMessageContaining("253");
    }

    @Test
    void withinMeansEqualOrBelowOnALabelBoundary() {
        assertThat(DomainName.isWithin("a.corp.example", "corp.example")).isTrue();
        assertThat(DomainName.isWithin("Corp.Example.", "corp.example")).isTrue();
        assertThat(DomainName.isWithin("xcorp.example", "corp.example")).isFalse();
        assertThat(DomainName.isWithin("example", "corp.example")).isFalse();
        assertThat(DomainName.isWithin("anything.at.all", "")).isTrue();
    }

    @Test
    void patternsAreExactOrStrictWildcard() {
        assertThat(DomainName.matchesPattern("example.com", "example.com")).isTrue();
        assertThat(DomainName.matchesPattern("www.example.com", "example.com")).isFalse();
        assertThat(DomainName.matchesPattern("a.b.example.com", "*.example.com")).isTrue();
        assertThat(DomainName.matchesPattern("example.com", "*.example.com")).isFalse();
        assertThat(DomainName.matchesPattern("badexample.com", "*.example.com")).isFalse();
        assertThat(DomainName.matchesPattern("whatever", "*")).isTrue();
        assertThatThrownBy(() -> DomainName.normalizePattern("ex*.com")).isInstanceOf(IllegalArgumentException.class);
    }
}
