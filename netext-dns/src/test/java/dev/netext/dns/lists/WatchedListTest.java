package dev.netext.dns.lists;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** A watched list follows its file: appends and renames reload it; a failed reload keeps the old list and says so. */
class WatchedListTest {
    @TempDir
    Path dir;

    @Test
    void reloadsOnChangeAndKeepsTheOldListWhenTheFileGoes() throws Exception {
        Path file = Files.writeString(dir.resolve("l.hosts"), "0.0.0.0 a.example\n");
        List<String> reports = new CopyOnWriteArrayList<>();
        try (WatchedList w = WatchedList.open("l", file, reports::add)) {
            BlockList first = w.current();
            assertThat(first.containsName("a.example")).isTrue();
            assertThat(reports).singleElement().asString().startsWith("list l (" + file + "): 1 names").contains("loaded in");
            assertThat(w.pollOnce()).as("unchanged").isFalse();
            assertThat(w.current()).isSameAs(first);

            Files.writeString(file, "0.0.0.0 b.example\n", StandardOpenOption.APPEND);
            assertThat(w.pollOnce()).isTrue();
            assertThat(w.current().containsName("b.example")).isTrue();
            assertThat(first.containsName("b.example")).as("a loaded list never changes").isFalse();

            Path next = Files.writeString(dir.resolve("next"), "c.example\n");
            Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            assertThat(w.pollOnce()).isTrue();
            assertThat(w.current().containsName("x.c.example")).isTrue();
            assertThat(w.current().containsName("a.example")).isFalse();

            BlockList kept = w.current();
            Files.delete(file);
            assertThat(w.pollOnce()).isFalse();
            assertThat(w.current()).isSameAs(kept);
            assertThat(reports.getLast()).contains("cannot be read").contains("keeping the 1 names loaded before");
        }
    }

    @Test
    void openSharesTheLiveListOfTheSameFile() throws Exception {
        Path file = Files.writeString(dir.resolve("s.txt"), "s.example\n");
        try (WatchedList a = WatchedList.open("s", file, r -> { }); WatchedList b = WatchedList.open("s", file, r -> { })) {
            assertThat(b).isSameAs(a);
        }
    }
}
