package dev.netext.daemon.control;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.linux.sys.UnixSocketFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The control socket's transport: mode 0600, one reply per request line, clean answers to garbage (seeded random
 * bytes and mutations of valid requests), and a server that keeps serving afterwards. The peer check is tested as
 * user nobody in netext-cli's DaemonIntegrationTest, and with a control group's members and others in
 * NonRootControlIntegrationTest.
 */
class ControlServerTest {
    @TempDir
    Path dir;

    /** Echoes the op back; "boom" throws, as a handler bug would. */
    static final ControlHandler ECHO = (req, conn) -> {
        if (req.path("op").asText().equals("boom")) throw new IllegalStateException("handler bug");
        conn.send(ControlClient.mapper().createObjectNode().put("ok", true).put("op", req.path("op").asText()));
    };

    @Test
    void repliesPerLineAndTheSocketIsPrivate() throws Exception {
        Path sock = dir.resolve("run/control.sock");
        try (ControlServer server = ControlServer.start(sock, ECHO)) {
            assertThat(Files.getPosixFilePermissions(sock)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            try (ControlClient c = ControlClient.connect(sock)) {
                assertThat(c.call(ControlClient.mapper().createObjectNode().put("op", "status")).path("op").asText()).isEqualTo("status");
                assertThat(c.call(ControlClient.mapper().createObjectNode().put("op", "again")).path("op").asText()).isEqualTo("again");
                assertThatThrownBy(() -> c.call(ControlClient.mapper().createObjectNode().put("op", "boom")))
                        .isInstanceOf(ControlException.class).hasMessage("handler bug");
                assertThat(c.call(ControlClient.mapper().createObjectNode().put("op", "after")).path("ok").asBoolean()).isTrue();
            }
            assertThatThrownBy(() -> ControlServer.start(sock, ECHO)).hasMessageContaining("another netext daemon is listening");
        }
        assertThat(sock).doesNotExist();
        // a stale socket file (dead daemon) is replaced
        Files.createDirectories(sock.getParent());
        try (SocketChannel stale = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            stale.bind(UnixDomainSocketAddress.of(sock));
        }
        try (ControlServer server = ControlServer.start(sock, ECHO)) {
            assertThat(UnixSocketFile.answers(sock)).isTrue();
        }
        assertThatThrownBy(() -> ControlClient.connect(sock)).isInstanceOf(DaemonUnavailableException.class)
                .hasMessageContaining("the netext daemon is not running (no control socket at " + sock + ")");
    }

    static final String NOISE = "{}[]\":,\\\u0000\u00e9";

    @Test
    void garbageGetsAnErrorOrACloseAndNeverStopsTheServer() throws Exception {
        Path sock = dir.resolve("control.sock");
        Random random = new Random(0x636f6e74726f6cL);
        String[] seeds = {"{\"op\":\"status\"}", "{\"op\":\"events\",\"follow\":true,\"flow\":42}", "[1,2,3]", "\"x\"", "{}"};
        try (ControlServer server = ControlServer.start(sock, ECHO)) {
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                for (int round = 0; round < 300; round++) {
                    byte[] input;
                    if (round % 3 == 0) {
                        input = new byte[random.nextInt(200)];
                        random.nextBytes(input);
                    } else {
                        StringBuilder sb = new StringBuilder(seeds[random.nextInt(seeds.length)]);
                        for (int m = random.nextInt(4); m >= 0 && !sb.isEmpty(); m--) {
                            int at = random.nextInt(sb.length());
                            switch (random.nextInt(3)) {
                                case 0 -> sb.deleteCharAt(at);
                                case 1 -> sb.insert(at, NOISE.charAt(random.nextInt(NOISE.length())));
                                default -> sb.setCharAt(at, (char) (32 + random.nextInt(95)));
                            }
                        }
                        input = sb.toString().getBytes(StandardCharsets.UTF_8);
                    }
                    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                        ch.connect(UnixDomainSocketAddress.of(sock));
                        ch.write(ByteBuffer.wrap(input));
                        ch.write(ByteBuffer.wrap("\n".getBytes()));
                        ch.shutdownOutput();
                        ByteBuffer reply = ByteBuffer.allocate(1 << 16);
                        while (ch.read(reply) >= 0) {
                            // read to the end: the server closes after our EOF
                        }
                        for (String line : new String(reply.array(), 0, reply.position(), StandardCharsets.UTF_8).split("\n")) {
                            if (line.isBlank()) continue;
                            JsonNode n = ControlClient.mapper().readTree(line);
                            assertThat(n.has("ok")).as(line).isTrue();
                        }
                    } catch (IOException e) {
                        // a reset is a clean close too
                    }
                }
            });
            // a line longer than any request is refused without buffering it all
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(sock));
                ByteBuffer big = ByteBuffer.wrap("x".repeat(ControlServer.MAX_REQUEST_CHARS + 10).getBytes());
                try {
                    while (big.hasRemaining()) ch.write(big);
                } catch (IOException closed) {
                    // the server hung up on us: that is the point
                }
            }
            try (ControlClient c = ControlClient.connect(sock)) {
                assertThat(c.call(ControlClient.mapper().createObjectNode().put("op", "still-there")).path("ok").asBoolean()).isTrue();
            }
        }
    }

    /** Far below forever (a stalled server), with room for a machine busy with other builds. */
    static final Duration STALL_BOUND = Duration.ofSeconds(3);

    /** Idle clients and requests cut short (no newline) hold only their own connection: another call is answered at once. */
    @Test
    void idleAndHalfSentClientsNeverDelayAnotherCall() throws Exception {
        Path sock = dir.resolve("control.sock");
        try (ControlServer server = ControlServer.start(sock, ECHO)) {
            try (ControlClient warm = ControlClient.connect(sock)) {
                warm.call(ControlClient.mapper().createObjectNode().put("op", "warm"));
            }
            List<SocketChannel> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                    ch.connect(UnixDomainSocketAddress.of(sock));
                    if (i % 2 == 1) ch.write(ByteBuffer.wrap("{\"op\":\"sta".getBytes(StandardCharsets.UTF_8)));
                    stalled.add(ch);
                }
                long t0 = System.nanoTime();
                try (ControlClient c = ControlClient.connect(sock)) {
                    assertThat(c.call(ControlClient.mapper().createObjectNode().put("op", "status")).path("op").asText()).isEqualTo("status");
                }
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("answered while 20 clients stall").isLessThan(STALL_BOUND);
            } finally {
                for (SocketChannel ch : stalled) ch.close();
            }
        }
    }
}
