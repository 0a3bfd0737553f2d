package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.cli.NonRootControlIntegrationTest.Accounts;
import dev.netext.cli.NonRootControlIntegrationTest.Cli;
import dev.netext.cli.NonRootControlIntegrationTest.ReadableClassPath;
import dev.netext.daemon.control.ControlClient;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.sys.HostPackages;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13 §5, must-show 4: app↔provider messages. A custom tunnel provider from a plugin jar built here answers
 * messages reversed, {@code options} with its start options, and {@code hang} never (it even ignores the host's
 * interrupt). A member of the control group (a user made for the test, the CLI run as it with {@code setpriv}) starts
 * it with {@code --option greeting=hi} and gets the round trip; a non-member is refused (77); the hung message times
 * out with an error (75) while the tunnel keeps answering pings and later messages, with no restart.
 */
class MessageIntegrationTest {
    private static final Duration CONNECT = Duration.ofSeconds(20);

    /** Reverses messages; answers ICMP echo requests to any address in the tunnel's subnet but its own. */
    private static final String ECHO = """
            package msg;
            import dev.netext.api.tunnel.*;
            import java.nio.ByteBuffer;
            import java.nio.charset.StandardCharsets;
            import java.util.Map;
            import java.util.TreeMap;
            public class Echo implements PacketTunnelProvider {
                private volatile Map<String, String> startOptions = Map.of();
                @Override public void startTunnel(TunnelContext context, Map<String, Object> options) throws Exception {
                    startOptions = new TreeMap<>(context.startOptions());
                    context.setTunnelNetworkSettings(context.profileSettings());
                    PacketFlow flow = context.packetFlow();
                    context.spawn("icmp", () -> {
                        PacketBatch batch = flow.newBatch();
                        while (flow.readPackets(batch) >= 0) {
                            for (int i = 0; i < batch.count(); i++) batch.setLength(i, reply(batch.packet(i)));
                            flow.writePackets(batch);
                        }
                    });
                }
                @Override public void stopTunnel(StopReason reason) {}
                @Override public byte[] handleAppMessage(byte[] message) {
                    String m = new String(message, StandardCharsets.UTF_8);
                    if (m.equals("hang")) {
                        for (;;) {
                            try { Thread.sleep(60_000); } catch (InterruptedException e) { /* never answers, not even then */ }
                        }
                    }
                    if (m.equals("options")) return startOptions.toString().getBytes(StandardCharsets.UTF_8);
                    return new StringBuilder(m).reverse().toString().getBytes(StandardCharsets.UTF_8);
                }
                /** An IPv4 ICMP echo request turned into its reply in place; anything else dropped (0). */
                static int reply(ByteBuffer p) {
                    if (p.limit() < 28 || (p.get(0) >> 4) != 4 || p.get(9) != 1) return 0;
                    int ihl = (p.get(0) & 15) * 4, len = Math.min(p.limit(), p.getShort(2) & 0xffff);
                    if (p.get(ihl) != 8) return 0;
                    for (int k = 0; k < 4; k++) { byte s = p.get(12 + k); p.put(12 + k, p.get(16 + k)); p.put(16 + k, s); }
                    p.put(ihl, (byte) 0);
                    p.putShort(ihl + 2, (short) 0);
                    int sum = 0;
                    for (int k = ihl; k + 1 < len; k += 2) sum += p.getShort(k) & 0xffff;
                    if (((len - ihl) & 1) != 0) sum += (p.get(len - 1) & 0xff) << 8;
                    while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
                    p.putShort(ihl + 2, (short) ~sum);
                    return len;
                }
            }
            """;

    @TempDir
    Path dir;

    @NetnsTest
    void aMemberTalksToTheProviderANonMemberIsRefusedAHungProviderTimesOutAndTheTunnelKeepsWorking(NetnsLab lab) throws Exception {
        HostPackages.require("setpriv", "useradd", "userdel", "groupadd", "groupdel", "ping");
        NetworkNamespace ns = lab.namespace("msg");
        String id = Integer.toString(ThreadLocalRandom.current().nextInt(10_000, 100_000));
        String group = "nxg" + id, member = "nxm" + id, stranger = "nxs" + id;
        try (Accounts accounts = new Accounts(); ReadableClassPath cp = new ReadableClassPath()) {
            accounts.group(group);
            accounts.user(member, "-U", "-G", group);
            accounts.user(stranger, "-U");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
            try (DaemonUnderTest d = new DaemonUnderTest(ns, dir, "--control-group", group)) {
                ProviderJar.write(d.profiles.resolve("plugins/echo.jar"), "msg.Echo", ECHO);
                d.profile("msg.yaml", """
                        name: msg
                        tunnel:
                          provider: msg.Echo
                          interface: nxmsg0
                          settings:
                            addresses: [10.7.21.1/24]
                            routes: []
                        """);
                d.profile("plain.yaml", """
                        name: plain
                        tunnel:
                          provider: pong
                          interface: nxmsg1
                          settings:
                            addresses: [10.7.22.1/24]
                            routes: []
                        """);
                assertThat(d.cli("reload").output()).contains("started msg").contains("plain");
                d.awaitComponent("msg", MessageIntegrationTest::connected, CONNECT);
                d.awaitComponent("plain", MessageIntegrationTest::connected, CONNECT);
                Cli cli = new Cli(ns, cp.classPath(), d.socket);

                // start options: the member restarts the profile with --option, the provider sees them
                assertThat(cli.as(member, member, "down", "msg").exitCode()).isZero();
                ExecResult up = cli.as(member, member, "up", "msg", "--option", "greeting=hi", "--option", "mode=a=b");
                assertThat(up.exitCode()).as(up.output()).isZero();
                d.awaitComponent("msg", MessageIntegrationTest::connected, CONNECT);
                assertThat(message(cli, member, "--data", "options")).isEqualTo("{greeting=hi, mode=a=b}");
                ExecResult again = cli.as(member, member, "up", "msg", "--option", "greeting=ho");
                assertThat(again.exitCode()).as(again.output()).isZero();
                assertThat(again.output()).contains("netext: the tunnel of msg is running already: the options apply at its next start");
                assertThat(message(cli, member, "--data", "options")).as("a running provider keeps its own").isEqualTo("{greeting=hi, mode=a=b}");
                assertThat(d.process.output()).doesNotContain("Exception");

                // the round trip, as text, as JSON, and from a file
                assertThat(message(cli, member, "--data", "hello")).isEqualTo("olleh");
                JsonNode json = ControlClient.mapper().readTree(message(cli, member, "--data", "hello", "--json"));
                assertThat(json.path("ok").asBoolean()).isTrue();
                assertThat(new String(Base64.getDecoder().decode(json.path("data").asText()), StandardCharsets.UTF_8)).isEqualTo("olleh");
                Path file = Files.createDirectories(dir.resolve("open")).resolve("m.txt");
                Files.setPosixFilePermissions(file.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.writeString(file, "from a file");
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
                assertThat(message(cli, member, "--data", "@" + file)).isEqualTo("elif a morf");

                // a non-member: refused, exit 77
                ExecResult refused = cli.as(stranger, stranger, "message", "msg", "--data", "hello");
                assertThat(refused.exitCode()).as(refused.output()).isEqualTo(ControlOption.PERMISSION_DENIED);
                assertThat(refused.output()).contains("permission denied").doesNotContain("olleh");

                // a provider without handleAppMessage (the built-in pong), and no such profile: exit codes of their own
                ExecResult unsupported = cli.as(member, member, "message", "plain", "--data", "x");
                assertThat(unsupported.exitCode()).as(unsupported.output()).isEqualTo(MessageCommand.NOT_SUPPORTED);
                assertThat(unsupported.output()).contains("netext: provider plain does not handle messages");
                ExecResult unknown = cli.as(member, member, "message", "nosuch", "--data", "x");
                assertThat(unknown.exitCode()).as(unknown.output()).isEqualTo(MessageCommand.NO_SUCH_PROFILE);

                // a provider that never answers: an error after the time limit, and the tunnel keeps working
                long t0 = System.nanoTime();
                ExecResult hung = cli.as(member, member, "message", "msg", "--data", "hang", "--timeout", "1s");
                Duration took = Duration.ofNanos(System.nanoTime() - t0);
                assertThat(hung.exitCode()).as(hung.output()).isEqualTo(MessageCommand.TIMED_OUT);
                assertThat(hung.output()).contains("netext: provider msg: handleAppMessage did not return within 1000 ms");
                assertThat(took).as("the CLI's JVM start plus the 1 s limit").isLessThan(Duration.ofSeconds(20));
                ExecResult ping = ns.run(Duration.ofSeconds(20), "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.7.21.2");
                assertThat(ping.exitCode()).as("answered through the tunnel after the hung message: " + ping.output()).isZero();
                assertThat(message(cli, member, "--data", "still there")).isEqualTo("ereht llits");
                JsonNode tunnel = d.profileStatus("msg").path("components").get(0);
                assertThat(tunnel.path("status").asText()).isEqualTo("connected");
                assertThat(tunnel.path("restarts").asLong()).as("a failed message is no crash").isZero();
                String events = d.cli("events").output();
                assertThat(events).contains("\"message_type\":\"provider.message-failed\"").contains("TimeoutException")
                        .contains("\"message_type\":\"tunnel.start-options\"").contains("\"greeting\":\"hi\"")
                        .doesNotContain("ProviderFailed");
                assertThat(d.stop()).as(d.process.output()).isZero();
            }
        }
        assertThat(NonRootControlIntegrationTest.accountsLeft(id)).as("the test's users and groups are gone").isEmpty();
    }

    /** {@code netext message msg ARGS…} as {@code user}: its output, which must have exited 0. */
    private static String message(Cli cli, String user, String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "message";
        all[1] = "msg";
        System.arraycopy(args, 0, all, 2, args.length);
        ExecResult r = cli.as(user, user, all);
        assertThat(r.exitCode()).as(String.join(" ", all) + ": " + r.output()).isZero();
        return r.output().strip();
    }

    private static boolean connected(JsonNode c) { return c.path("status").asText().equals("connected"); }
}
