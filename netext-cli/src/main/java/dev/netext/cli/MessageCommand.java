package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.daemon.control.ControlClient;
import dev.netext.daemon.control.ControlException;
import dev.netext.daemon.control.ControlServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code netext message NAME [--provider KIND] --data TEXT|@FILE [--json] [--timeout DURATION]}: sends bytes to one
 * of a daemon profile's providers — its tunnel by default; {@code dns}, {@code packet-filter}, {@code filter} or
 * {@code proxy:NAME} by name ({@code handleAppMessage}, NE's {@code sendProviderMessage}) — and prints its reply, as
 * text when it is UTF-8, else as hex; the daemon's JSON reply line with {@code --json}.
 */
@Command(name = "message", mixinStandardHelpOptions = true,
        description = "Send a message to one of a daemon profile's providers and print its reply.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:the provider answered", "1:the provider failed on the message", "3:the daemon is not running",
                "65:the provider does not handle messages", "68:no such profile, or no such provider in it",
                "69:the provider is not running",
                "75:the provider did not answer in time, or has too many messages running already", "77:permission denied"})
public final class MessageCommand implements Callable<Integer> {
    static final int NOT_SUPPORTED = 65;   // EX_DATAERR
    static final int NO_SUCH_PROFILE = 68; // EX_NOHOST
    static final int NOT_RUNNING = 69;     // EX_UNAVAILABLE
    static final int TIMED_OUT = 75;       // EX_TEMPFAIL

    @Mixin
    ControlOption control;

    @Parameters(paramLabel = "NAME", description = "The profile's name (netext status lists them).")
    String name;

    @Option(names = "--data", required = true, paramLabel = "TEXT|@FILE", description = "The message: TEXT as UTF-8, or the bytes of FILE.")
    String data;

    @Option(names = "--provider", paramLabel = "KIND",
            description = "Which of the profile's providers: tunnel (the default when there is one), dns, packet-filter, filter, proxy:NAME.")
    String provider;

    @Option(names = "--json", description = "Print the daemon's reply as a JSON line ({\"ok\":…,\"data\":\"BASE64\"}).")
    boolean json;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long the provider may take: 500ms, 5s, 2m (default: 5s).")
    Duration timeout = Duration.ofSeconds(5);

    @Override
    public Integer call() throws IOException {
        byte[] bytes;
        try {
            bytes = data.startsWith("@") ? Files.readAllBytes(Path.of(data.substring(1))) : data.getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserError("cannot read " + data.substring(1) + ": " + e);
        }
        var request = ControlOption.request("message").put("name", name)
                .put("data", Base64.getEncoder().encodeToString(bytes)).put("timeout_ms", timeout.toMillis());
        if (provider != null) request.put("provider", provider);
        JsonNode reply;
        try (ControlClient c = control.connect()) {
            reply = c.call(request);
        } catch (ControlException e) {
            if (json) System.out.println(ControlClient.mapper().writeValueAsString(e.reply()));
            if (e.reply().path(ControlServer.DENIED).asBoolean(false)) throw ControlOption.failure(e.reply());
            throw new UserError(e.getMessage(), exitCode(e.reply().path("reason").asText("")));
        } catch (IOException e) {
            throw new UserError("lost the connection to the daemon: " + e.getMessage(), ControlOption.DAEMON_UNAVAILABLE);
        }
        if (json) {
            System.out.println(ControlClient.mapper().writeValueAsString(reply));
            return 0;
        }
        System.out.println(printable(Base64.getDecoder().decode(reply.path("data").asText(""))));
        return 0;
    }

    static int exitCode(String reason) {
        return switch (reason) {
            case "timeout", "busy" -> TIMED_OUT;
            case "unsupported" -> NOT_SUPPORTED;
            case "no-profile", "no-provider" -> NO_SUCH_PROFILE;
            case "not-running" -> NOT_RUNNING;
            default -> 1;
        };
    }

    /** The reply as text when it is valid UTF-8 without control characters (tab and newline aside), else as hex. */
    static String printable(byte[] reply) {
        try {
            String s = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(reply)).toString();
            if (s.chars().allMatch(ch -> ch >= 0x20 || ch == '\t' || ch == '\n' || ch == '\r')) return s;
        } catch (CharacterCodingException e) {
            // binary: hex below
        }
        return "hex:" + HexFormat.of().formatHex(reply);
    }

    /** {@code 500ms}, {@code 5s}, {@code 2m}, or plain seconds. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.strip().toLowerCase(Locale.ROOT);
            try {
                Duration d;
                if (v.endsWith("ms")) d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
                else if (v.endsWith("s")) d = Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
                else if (v.endsWith("m")) d = Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)) * 60);
                else d = Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
                if (d.isNegative() || d.isZero() || d.compareTo(Duration.ofMinutes(5)) > 0)
                    throw new IllegalArgumentException("'" + value + "': between 1ms and 5m");
                return d;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + value + "' is not a duration (500ms, 5s, 2m)");
            }
        }
    }
}
