package dev.netext.linux.ffm;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A mapped segment is zeroed, usable to its last byte, resident only where touched, and gone with its arena. */
class AnonymousMemoryTest {
    private static final long MIB = 1 << 20;

    @Test
    void zeroedWritableAndResidentOnlyWhereTouched() throws Exception {
        long before = rssKib();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment m = AnonymousMemory.map(256 * MIB, arena);
            assertThat(m.byteSize()).isEqualTo(256 * MIB);
            assertThat(m.get(ValueLayout.JAVA_LONG, 0)).isZero();
            assertThat(m.get(ValueLayout.JAVA_BYTE, 256 * MIB - 1)).isZero();
            long mapped = rssKib();
            // 256 MiB reserved, two pages read: far below the reservation (Arena.allocate would have zeroed it all)
            assertThat(mapped - before).isLessThan(64 * 1024);
            m.asSlice(0, 16 * MIB).fill((byte) 7);
            assertThat(rssKib() - mapped).isGreaterThanOrEqualTo(15 * 1024);
            assertThat(m.get(ValueLayout.JAVA_BYTE, 16 * MIB - 1)).isEqualTo((byte) 7);
            m.set(ValueLayout.JAVA_BYTE, 256 * MIB - 1, (byte) 9);
            assertThat(m.get(ValueLayout.JAVA_BYTE, 256 * MIB - 1)).isEqualTo((byte) 9);
        }
    }

    @Test
    void unmappedWhenItsArenaCloses() throws Exception {
        MemorySegment m;
        long address;
        try (Arena arena = Arena.ofConfined()) {
            m = AnonymousMemory.map(MIB, arena);
            address = m.address();
            assertThat(mapped(address)).isTrue();
        }
        assertThat(mapped(address)).isFalse();
        assertThatThrownBy(() -> m.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aSizeTheKernelCannotMapIsAnErrorNamingIt() {
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> AnonymousMemory.map(Long.MAX_VALUE, arena)).hasMessageContaining("mmap");
            assertThatThrownBy(() -> AnonymousMemory.map(0, arena)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static long rssKib() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElseThrow();
    }

    private static boolean mapped(long address) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().anyMatch(l -> {
            String[] range = l.substring(0, l.indexOf(' ')).split("-");
            return Long.parseUnsignedLong(range[0], 16) <= address && address < Long.parseUnsignedLong(range[1], 16);
        });
    }
}
