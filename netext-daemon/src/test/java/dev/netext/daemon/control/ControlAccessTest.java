package dev.netext.daemon.control;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.netext.daemon.control.ControlAccess.Level.FULL;
import static dev.netext.daemon.control.ControlAccess.Level.MEMBER;
import static dev.netext.daemon.control.ControlAccess.Level.NONE;
import static org.assertj.core.api.Assertions.assertThat;

/** The permission table, the refusal lines, and the group database as the control socket reads it. */
class ControlAccessTest {
    /** Every op ControlOps answers (dev.netext.daemon.server.ControlOps.OPS). */
    static final List<String> ALL_OPS = List.of("status", "profiles", "up", "down", "reload", "events", "flows", "capture", "dashboard", "message", "rules", "prompt");

    @Test
    void rootMayRunEverythingMembersTheirOpsOthersNothing() {
        for (String op : ALL_OPS) assertThat(ControlAccess.permits(FULL, op)).as(op).isTrue();
        assertThat(ALL_OPS.stream().filter(op -> ControlAccess.permits(MEMBER, op)))
                .containsExactlyInAnyOrder("status", "profiles", "up", "down", "message", "events", "flows");
        for (String op : List.of("reload", "capture", "dashboard", "rules", "prompt", "stauts", "?", "")) assertThat(ControlAccess.permits(MEMBER, op)).as(op).isFalse();
        for (String op : ALL_OPS) assertThat(ControlAccess.permits(NONE, op)).as(op).isFalse();
        assertThat(ControlAccess.MEMBER_OPS).isSubsetOf(ALL_OPS);
    }

    @Test
    void dnsLogIsTheEventsOp() {
        assertThat(ControlAccess.MEMBER_COMMANDS).contains(new ControlAccess.MemberCommand("dns log", List.of("events")));
        assertThat(ControlAccess.memberCommandList()).isEqualTo("status, up, down, message, events, flows, dns log");
    }

    @Test
    void refusalsSayWhatNeedsRootAndWhoMayDoWhat() {
        assertThat(ControlAccess.refusal("reload", MEMBER, "alice", "netext", true)).isEqualTo(
                "permission denied: 'reload' needs root; members of group netext may run status, up, down, message, events, flows, dns log");
        assertThat(ControlAccess.refusal("status", NONE, "bob", "netext", true)).isEqualTo(
                "permission denied: 'status' needs root or group netext (you are bob, not a member; sudo usermod -aG netext bob, "
                        + "then log in again); members may run status, up, down, message, events, flows, dns log");
        assertThat(ControlAccess.refusal("status", NONE, "nobody", "netext", false))
                .startsWith("permission denied: the netext control socket is for root only (you are nobody); 'netext install' creates group netext");
    }

    @Test
    void groupLinesAreParsedAsGetentWould() {
        List<String> lines = List.of(
                "# comment",
                "root:x:0:",
                "netext2:x:998:mallory",
                "+netext:::",                      // NIS include: not a local definition
                "broken:x:notanumber:alice",
                "short:x:997",
                "netext:x:999:alice, carol,,alice",
                "netext:x:1000:eve");              // a duplicate later line: the first one counts, as getent
        ControlGroup.Entry g = ControlGroup.find(lines, "netext");
        assertThat(g).isEqualTo(new ControlGroup.Entry("netext", 999, java.util.Set.of("alice", "carol")));
        assertThat(ControlGroup.find(lines, "root")).isEqualTo(new ControlGroup.Entry("root", 0, java.util.Set.of()));
        assertThat(ControlGroup.find(lines, "broken")).isNull();
        assertThat(ControlGroup.find(lines, "short")).isNull();
        assertThat(ControlGroup.find(lines, "netex")).isNull();
    }

    @Test
    void membersAreListedOrHaveTheGroupAsPrimary() {
        ControlGroup.Entry g = new ControlGroup.Entry("netext", 999, java.util.Set.of("alice"));
        assertThat(ControlGroup.isMember(g, "alice", "alice")).isTrue();   // supplementary, listed
        assertThat(ControlGroup.isMember(g, "dave", "netext")).isTrue();   // primary group by name
        assertThat(ControlGroup.isMember(g, "1234", "999")).isTrue();      // primary gid without a name
        assertThat(ControlGroup.isMember(g, "bob", "bob")).isFalse();
        assertThat(ControlGroup.isMember(g, "alicex", "users")).isFalse();
        assertThat(ControlGroup.isRootOrSelf("root")).isTrue();
        assertThat(ControlGroup.isRootOrSelf("0")).isTrue();
        assertThat(ControlGroup.isRootOrSelf("alice")).isEqualTo("alice".equals(System.getProperty("user.name")));
    }

    @Test
    void theGroupFileIsReadAgainForEveryLookup(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = dir.resolve("group");
        ControlGroup group = new ControlGroup("netext", file);
        assertThat(group.lookup()).as("no file: no group").isNull();
        Files.writeString(file, "root:x:0:\nnetext:x:999:alice\n");
        assertThat(group.lookup().members()).containsExactly("alice");
        Files.writeString(file, "root:x:0:\nnetext:x:999:\n"); // gpasswd -d alice netext
        assertThat(group.lookup().members()).isEmpty();
        assertThat(group.level(null)).isEqualTo(NONE);
    }
}
