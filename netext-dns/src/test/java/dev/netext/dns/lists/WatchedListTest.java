package dev.netext.dns.lists;

import dev.netext.dns.wire.Names;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** A watched list follows its file: appends and renames reload it; a failed reload keeps the old list and says so. */
class WatchedListTest {
    @TempDir
    Path dir;

    @Test
    void reloadsOnChangeAndKeepsTheOldListWhenTheFileGoes() throws Exception {
        Path file = Files.writeString(dir.resolve("l.hosts"), "0.0.0.0 a.example\n");
        List<String> reports = new CopyOnWriteArrayList<>();
        try (WatchedList w = WatchedList.openUnpolled("l", file, reports::add)) {
            BlockList first = w.current();
            assertThat(first.containsName("a.example")).isTrue();
            assertThat(reports).singleElement().asString().startsWith("list l (" + file + "): 1 names").contains("loaded in");
            assertThat(w.pollOnce()).as("unchanged").isFalse();
            assertThat(w.current()).isSameAs(first);

            Files.writeString(file, "0.0.0.0 b.example\n", StandardOpenOption.APPEND);
            assertThat(w.pollOnce()).as("just written: perhaps not finished").isFalse();
            assertThat(w.current()).isSameAs(first);
            assertThat(w.pollOnce()).as("the same a poll later: settled").isTrue();
            assertThat(w.current().containsName("b.example")).isTrue();
            assertThat(first.containsName("b.example")).as("a loaded list never changes").isFalse();

            Path next = Files.writeString(dir.resolve("next"), "c.example\n");
            Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            assertThat(w.pollOnce()).isFalse();
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

    @Test
    void aReplacedListIsUnmappedAfterTheGracePeriodAndLookupsGoOn() throws Exception {
        Path file = Files.writeString(dir.resolve("g.hosts"), "0.0.0.0 a.example\n");
        try (WatchedList w = WatchedList.openUnpolled("g", file, r -> { })) {
            BlockList first = w.current();
            Files.writeString(file, "0.0.0.0 b.example\n", StandardOpenOption.APPEND);
            assertThat(w.pollOnce()).isFalse();
            assertThat(w.pollOnce()).isTrue();
            assertThat(first.names().isOpen()).as("kept while a lookup may still read it").isTrue();
            assertThat(w.closeReplaced(System.nanoTime())).isEqualTo(1);
            assertThat(w.closeReplaced(System.nanoTime() + WatchedList.GRACE_NANOS)).isZero();
            assertThat(first.names().isOpen()).as("unmapped after the grace period").isFalse();
            assertThat(w.containsName("b.example")).isTrue();
            BlockList last = w.current();
            w.close();
            assertThat(last.names().isOpen()).as("closing the watch unmaps the list in effect").isFalse();
        }
    }

    /**
     * Lookups on other threads while the list is reloaded and each replaced list is unmapped at once (no grace): a
     * lookup that raced the unmapping retries on the new list, so every answer is right and none fails. The list is
     * not polled by the watch thread here: once, in CI, that thread loaded the file while this loop had it half
     * written (truncated, then written), and lookups got answers from the half list.
     */
    @Test
    void lookupsRacingReloadsAndUnmappingNeverFail() throws Exception {
        Path file = Files.writeString(dir.resolve("r.hosts"), "0.0.0.0 always.example\n");
        try (WatchedList w = WatchedList.openUnpolled("r", file, r -> { })) {
            AtomicBoolean done = new AtomicBoolean();
            AtomicReference<Throwable> failed = new AtomicReference<>();
            AtomicLong lookups = new AtomicLong();
            byte[] wire = Names.encode("www.always.example");
            byte[] exact = Names.encode("always.example");
            List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                readers.add(Thread.ofPlatform().start(() -> {
                    try {
                        while (!done.get()) {
                            if (!w.containsWire(exact, 0, exact.length) || w.containsWire(wire, 0, wire.length)
                                    || !w.containsName("always.example"))
                                throw new AssertionError("wrong answer");
                            lookups.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        failed.compareAndSet(null, e);
                    }
                }));
            }
            StringBuilder text = new StringBuilder("0.0.0.0 always.example\n");
            for (int i = 0; i < 30; i++) {
                for (int k = 0; k < 300; k++) text.append("0.0.0.0 h").append(i).append('-').append(k).append(".example\n");
                Files.writeString(file, text);
                assertThat(w.pollOnce()).isFalse();
                assertThat(w.pollOnce()).isTrue();
                w.closeReplaced(System.nanoTime() + WatchedList.GRACE_NANOS); // unmap at once, lookups still running
            }
            done.set(true);
            for (Thread r : readers) r.join();
            assertThat(failed.get()).isNull();
            assertThat(lookups.get()).isPositive();
        }
    }
}
