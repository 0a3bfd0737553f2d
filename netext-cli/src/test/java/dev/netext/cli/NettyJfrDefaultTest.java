package dev.netext.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** netext turns Netty's JFR events off (their first buffer set up JFR's metadata: 50 CPU-ms), unless told otherwise. */
class NettyJfrDefaultTest {
    private static final String PROPERTY = "io.netty.jfr.enabled";

    @Test
    void offUnlessSetAndAnExplicitSettingWins() {
        String saved = System.getProperty(PROPERTY);
        try {
            System.clearProperty(PROPERTY);
            Main.keepNettyOutOfJfr();
            assertThat(System.getProperty(PROPERTY)).isEqualTo("false");

            System.setProperty(PROPERTY, "true");
            Main.keepNettyOutOfJfr();
            assertThat(System.getProperty(PROPERTY)).isEqualTo("true");
        } finally {
            if (saved == null) System.clearProperty(PROPERTY);
            else System.setProperty(PROPERTY, saved);
        }
    }
}
