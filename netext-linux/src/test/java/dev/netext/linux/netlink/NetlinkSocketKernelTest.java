package dev.netext.linux.netlink;

import dev.netext.linux.Errno;
import dev.netext.linux.LinuxException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.netext.linux.netlink.NetlinkH.NETLINK_ROUTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The request/answer loop of {@link NetlinkSocket#request} against the kernel's rtnetlink (read-only requests). */
class NetlinkSocketKernelTest {

    @Test
    void answerOfAnEarlierRequestIsSkipped() throws Exception {
        try (NetlinkSocket s = NetlinkSocket.open(NETLINK_ROUTE, 0, false)) {
            // never read, as if it had timed out: its ENODEV must not end the next request
            s.send(RtnlRequests.getLink("nx-link").build(1, s.portId()));
            List<String> names = new ArrayList<>();
            boolean interrupted = s.request(RtnlRequests.getLink("lo").build(2, s.portId()), "RTM_GETLINK lo", 2000,
                    reply -> {
                        names.add(Link.decode(reply).name());
                        return true;
                    });
            assertThat(names).containsExactly("lo");
            assertThat(interrupted).isFalse();
        }
    }

    @Test
    void dumpIsReadToItsEnd() throws Exception {
        try (NetlinkSocket s = NetlinkSocket.open(NETLINK_ROUTE, 0, false)) {
            List<String> names = new ArrayList<>();
            s.request(RtnlRequests.dumpLinks().build(7, s.portId()), "RTM_GETLINK dump", 2000, reply -> {
                names.add(Link.decode(reply).name());
                return false;
            });
            assertThat(names).contains("lo");
            // the socket is idle afterwards: the next request is answered by its own reply
            List<String> again = new ArrayList<>();
            s.request(RtnlRequests.getLink("lo").build(8, s.portId()), "RTM_GETLINK lo", 2000,
                    reply -> again.add(Link.decode(reply).name()));
            assertThat(again).containsExactly("lo");
        }
    }

    @Test
    void errorNamesItsErrnoUnlessItMeansNone() throws Exception {
        try (NetlinkSocket s = NetlinkSocket.open(NETLINK_ROUTE, 0, false)) {
            assertThatThrownBy(() -> s.request(RtnlRequests.getLink("nx-link").build(3, s.portId()),
                    "RTM_GETLINK nx-link", 2000, NlReplies.ACK))
                    .isInstanceOf(LinuxException.class)
                    .satisfies(e -> assertThat(((LinuxException) e).errno()).isEqualTo(Errno.ENODEV))
                    .hasMessageStartingWith("RTM_GETLINK nx-link: ENODEV (");
            NlReplies noLink = new NlReplies() {
                @Override public boolean accept(NlMessage reply) { throw new AssertionError("no reply expected"); }
                @Override public boolean meansNone(int errno) { return errno == Errno.ENODEV; }
            };
            s.request(RtnlRequests.getLink("nx-link").build(4, s.portId()), "RTM_GETLINK nx-link", 2000, noLink);
        }
    }
}
