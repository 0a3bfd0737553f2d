package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.netext.daemon.control.ControlClient;
import dev.netext.wire.pcapng.Pcapng;
import dev.netext.wire.pcapng.PcapngWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.concurrent.Callable;

/**
 * {@code netext capture --tunnel NAME | --flow ID -w out.pcapng [--count N] [--seconds S]}: a running tunnel's
 * packets, or an intercepted flow's as the kernel sees them, both directions, from the daemon's control socket into
 * a pcapng file (or stdout with {@code -w -}); each packet's comment names its flow and direction.
 */
@Command(name = "capture", mixinStandardHelpOptions = true,
        description = "Capture a tunnel's or an intercepted flow's packets (both directions) to a pcapng file; each packet's comment names its flow and direction.")
public final class CaptureCommand implements Callable<Integer> {
    @Mixin
    ControlOption control;

    @Option(names = "--tunnel", paramLabel = "NAME", description = "The profile whose tunnel to capture.")
    String tunnel;

    @Option(names = "--flow", paramLabel = "ID", converter = OptionRange.PositiveLong.class, description = "An intercepted flow to capture (ids as 'netext flows' shows them); ends when the flow closes.")
    long flow;

    @Option(names = {"-w", "--write"}, required = true, paramLabel = "FILE", description = "The pcapng file to write ('-' for stdout).")
    String file;

    @Option(names = {"-c", "--count"}, paramLabel = "N", converter = OptionRange.NonNegativeLong.class, description = "Stop after N packets.")
    long count;

    @Option(names = "--seconds", paramLabel = "S", converter = OptionRange.NonNegativeSeconds.class, description = "Stop after S seconds.")
    double seconds;

    @Option(names = {"-s", "--snaplen"}, paramLabel = "BYTES", converter = OptionRange.Snaplen.class, description = "Bytes kept of each packet (default: ${DEFAULT-VALUE}).")
    int snaplen = PcapngWriter.MAX_SNAPLEN;

    @Override
    public Integer call() throws Exception {
        if ((tunnel == null) == (flow <= 0)) throw new UserError("name a tunnel (--tunnel NAME) or a flow (--flow ID), one of them", 2);
        ObjectNode req = ControlOption.request("capture").put("count", count).put("seconds", seconds).put("snaplen", snaplen);
        if (tunnel != null) req.put("tunnel", tunnel);
        else req.put("flow", flow);
        String what = tunnel != null ? "tunnel " + tunnel : "flow " + flow;
        ControlClient c = control.connect();
        Signals.onTerminate(c::close); // Ctrl-C ends the capture; what was written stays a valid file
        long written = 0;
        JsonNode end = null;
        try (c) {
            c.send(req);
            JsonNode head = c.read();
            if (head == null) throw new UserError("the daemon closed the connection without answering", ControlOption.DAEMON_UNAVAILABLE);
            if (!head.path("ok").asBoolean()) throw ControlOption.failure(head);
            System.err.println("capturing on " + head.path("interface").asText() + " (" + what + ")");
            try (PcapngWriter w = PcapngWriter.open(open(file), "netext capture")) {
                int iface = w.addInterface(head.path("interface").asText(what), Pcapng.LINKTYPE_RAW, head.path("snaplen").asInt(snaplen));
                Base64.Decoder b64 = Base64.getDecoder();
                JsonNode line;
                try {
                    while ((line = c.read()) != null) {
                        if (line.has("ok")) {
                            end = line;
                            break;
                        }
                        byte[] data = b64.decode(line.path("data").asText());
                        w.writePacket(iface, line.path("t").asLong(), ByteBuffer.wrap(data), line.path("len").asInt(data.length),
                                line.path("comment").asText(null));
                        written++;
                    }
                } catch (IOException e) {
                    // interrupted (Ctrl-C closes the socket): keep what was written
                }
            }
        }
        if (!"-".equals(file)) {
            System.err.println(written + " packets captured" + (end != null && end.path("dropped").asLong() > 0
                    ? " (" + end.path("dropped").asLong() + " dropped: the capture fell behind)" : ""));
        }
        return 0;
    }

    private static WritableByteChannel open(String file) throws IOException {
        if ("-".equals(file)) return Channels.newChannel(System.out);
        return FileChannel.open(Path.of(file), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    }
}
