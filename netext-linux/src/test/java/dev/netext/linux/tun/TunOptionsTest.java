package dev.netext.linux.tun;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TunOptionsTest {
    @Test
    void defaultsAreAutoNamedSingleQueueWithoutVnetHeader() {
        TunOptions o = TunOptions.defaults();
        assertThat(o.name()).isNull();
        assertThat(o.vnetHdr()).isFalse();
        assertThat(o.queues()).isEqualTo(1);
        assertThat(o.multiQueue()).isFalse();
        assertThat(o.withQueues(4).multiQueue()).isTrue();
        assertThat(o.withName("vpn0").withVnetHdr(true)).isEqualTo(new TunOptions("vpn0", true, 1));
    }

    @Test
    void rejectsNamesTheKernelWouldRejectOrExpand() {
        for (String bad : new String[] {"", "sixteen-chars-xx", "a/b", "a:b", "a b", ".", "..", "tun%d"}) {
            assertThatThrownBy(() -> TunOptions.defaults().withName(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(TunOptions.defaults().withName("fifteen-chars-x").name()).hasSize(15);
    }

    @Test
    void rejectsQueueCountsOutsideTheKernelLimit() {
        assertThatThrownBy(() -> TunOptions.defaults().withQueues(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TunOptions.defaults().withQueues(257)).isInstanceOf(IllegalArgumentException.class);
    }
}
