package dev.netext.wire.pcapng;

import dev.netext.linux.sys.HostPackages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The writer's blocks byte for byte (layout of draft-ietf-opsawg-pcapng §4), and files read back by tshark: packet
 * count, protocols, nanosecond timestamps and comments.
 */
class PcapngWriterTest {
    /** IPv4 ICMP echo request 10.0.0.1 → 10.0.0.2, id 1 seq 1, 4 bytes of data (checksums as tshark expects). */
    static final byte[] ICMP4 = HexFormat.of().parseHex(
            "4500002000014000400126da0a0000010a000002" + "0800f3fd0001000170696e67");
    /** IPv6 UDP ::1 port 40000 → ::1 port 40001, payload "hi!!". */
    static final byte[] UDP6 = HexFormat.of().parseHex(
            "60000000000c1140" + "00000000000000000000000000000001" + "00000000000000000000000000000001"
                    + "9c409c41000c0000" + "68692121");

    @TempDir
    Path dir;

    @Test
    void sectionHeaderAndInterfaceBlocksAreLaidOutAsTheSpecSays() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PcapngWriter w = PcapngWriter.open(Channels.newChannel(bytes), null)) {
            assertThat(w.addInterface(null, Pcapng.LINKTYPE_RAW, 1500)).isZero();
        }
        assertThat(HexFormat.of().formatHex(bytes.toByteArray())).isEqualTo(
                // SHB: type, length 32, magic, 1.0, section length -1, endofopt, length
                "0a0d0d0a" + "20000000" + "4d3c2b1a" + "0100" + "0000" + "ffffffffffffffff" + "00000000" + "20000000"
                // IDB: type 1, length 32, linktype 101, reserved, snaplen 1500, if_tsresol=9 (padded), endofopt, length
                + "01000000" + "20000000" + "6500" + "0000" + "dc050000" + "0900" + "0100" + "09000000" + "00000000" + "20000000");
    }

    @Test
    void enhancedPacketBlockCarriesNanosecondsDataPaddingAndComment() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long t = 0x0000_0001_0000_0002L;
        try (PcapngWriter w = PcapngWriter.open(Channels.newChannel(bytes), null)) {
            w.addInterface(null, Pcapng.LINKTYPE_RAW, 3); // snaplen 3: a 5-byte packet is cut to 3
            ByteBuffer p = ByteBuffer.wrap(new byte[] {0x45, 1, 2, 3, 4});
            w.writePacket(0, t, p, 5, "ab");
            assertThat(p.remaining()).isEqualTo(5); // not consumed
        }
        byte[] all = bytes.toByteArray();
        ByteBuffer epb = ByteBuffer.wrap(all, 64, all.length - 64).order(ByteOrder.LITTLE_ENDIAN).slice().order(ByteOrder.LITTLE_ENDIAN);
        assertThat(HexFormat.of().formatHex(all, 64, all.length)).isEqualTo(
                "06000000" + "30000000" + "00000000" + "01000000" + "02000000" + "03000000" + "05000000"
                        + "45010200" + "0100" + "0200" + "61620000" + "00000000" + "30000000");
        assertThat(epb.getInt(4)).isEqualTo(epb.getInt(epb.getInt(4) - 4));
    }

    @Test
    void longCommentsAreCutAtACharacterBoundary() {
        String s = "é".repeat(PcapngWriter.MAX_COMMENT_BYTES); // 2 bytes each
        byte[] b = PcapngWriter.utf8(s + "x", PcapngWriter.MAX_COMMENT_BYTES + 1);
        assertThat(b.length).isEqualTo(PcapngWriter.MAX_COMMENT_BYTES);
        assertThat(new String(b, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("é".repeat(PcapngWriter.MAX_COMMENT_BYTES / 2));
    }

    @Test
    void refusesWhatTheFormatCannotHold() throws Exception {
        try (PcapngWriter w = PcapngWriter.open(Channels.newChannel(new ByteArrayOutputStream()), "t")) {
            assertThatThrownBy(() -> w.writePacket(0, 0, ByteBuffer.allocate(1), 1, null)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> w.addInterface("x", 101, 0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> w.addInterface("x", 0x10000, 100)).isInstanceOf(IllegalArgumentException.class);
            w.addInterface("x", 101, 100);
            w.writePacket(0, 0, ByteBuffer.allocate(PcapngWriter.MAX_SNAPLEN + 10), 0, "x".repeat(5000)); // cut, not refused
            w.close();
            assertThatThrownBy(() -> w.writePacket(0, 0, ByteBuffer.allocate(1), 1, null)).isInstanceOf(java.io.IOException.class);
        }
    }

    @Test
    void tsharkReadsPacketsProtocolsTimestampsAndComments() throws Exception {
        HostPackages.require("tshark");
        Path file = dir.resolve("out.pcapng");
        long t0 = 1_700_000_000_123_456_789L;
        try (PcapngWriter w = PcapngWriter.open(FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), "netext test")) {
            int tun = w.addInterface("nx0", Pcapng.LINKTYPE_RAW, PcapngWriter.MAX_SNAPLEN);
            w.writePacket(tun, t0, ByteBuffer.wrap(ICMP4), ICMP4.length, "flow=1 dir=out");
            w.writePacket(tun, t0 + 1, ByteBuffer.wrap(UDP6), UDP6.length, "flow=2 dir=in ünïcode");
            w.writePacket(tun, t0 + 2, ByteBuffer.wrap(ICMP4), ICMP4.length, null);
            assertThat(w.packets()).isEqualTo(3);
        }
        List<String> lines = tshark(file, "-T", "fields", "-E", "separator=|", "-e", "frame.time_epoch", "-e", "_ws.col.Protocol",
                "-e", "frame.comment", "-e", "frame.interface_name", "-e", "ip.src", "-e", "ipv6.dst");
        assertThat(lines).containsExactly(
                "1700000000.123456789|ICMP|flow=1 dir=out|nx0|10.0.0.1|",
                "1700000000.123456790|UDP|flow=2 dir=in ünïcode|nx0||::1",
                "1700000000.123456791|ICMP||nx0|10.0.0.1|");
    }

    static List<String> tshark(Path file, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("tshark", "-r", file.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("tshark exit; output:\n%s", out).isZero();
        return out.lines().toList();
    }
}
