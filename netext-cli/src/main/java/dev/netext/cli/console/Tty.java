package dev.netext.cli.console;

import java.io.Console;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The controlling terminal in key-at-a-time mode, for full-screen commands ({@code netext prompts}): {@code stty} on
 * {@code /dev/tty} turns off line buffering and echo (signals stay on, so Ctrl-C still reaches the JVM), and
 * {@link #close} puts back the settings read at the start ({@code stty -g}) — also from a shutdown hook, so a killed
 * command leaves a usable shell. No terminal library: a handful of ANSI sequences is all the screen needs.
 */
public final class Tty implements AutoCloseable {
    private static final File DEVICE = new File("/dev/tty");
    /** Clear the screen and home the cursor. */
    public static final String CLEAR = "\033[H\033[2J";
    public static final String BOLD = "\033[1m", RESET = "\033[0m";
    private static final String HIDE_CURSOR = "\033[?25l", SHOW_CURSOR = "\033[?25h";

    private final String saved;
    private final Thread restoreOnExit;
    private boolean closed;

    private Tty(String saved) {
        this.saved = saved;
        this.restoreOnExit = new Thread(this::restore, "netext-tty-restore");
        Runtime.getRuntime().addShutdownHook(restoreOnExit);
    }

    /** Whether standard input and output are a terminal (not a pipe, a file or a service's journal). */
    public static boolean available() {
        Console c = System.console();
        return c != null && c.isTerminal() && DEVICE.canRead();
    }

    /** Switches the terminal to key-at-a-time input without echo and hides the cursor. */
    public static Tty raw() throws IOException {
        String saved = stty("-g").strip();
        stty("-icanon", "-echo", "min", "1", "time", "0");
        Tty t = new Tty(saved);
        System.out.print(HIDE_CURSOR);
        System.out.flush();
        return t;
    }

    /** The keys typed, one byte each (a fresh stream on {@code /dev/tty}, whatever standard input is). */
    public InputStream keys() throws IOException {
        return new FileInputStream(DEVICE);
    }

    /** The byte that starts an escape sequence (arrow and function keys, Alt+key). */
    public static final int ESC = 0x1b;

    /**
     * Reads the rest of an escape sequence whose {@link #ESC} was just read, so none of its bytes count as keys: a CSI
     * sequence ({@code ESC [} parameters, then a final byte 0x40–0x7E: arrows {@code ESC [ A}, {@code ESC [ 1 ; 5 C},
     * {@code ESC [ 3 ~}), an SS3 one ({@code ESC O A}), or Alt+key (one byte). A terminal writes a sequence at once,
     * so a lone Esc is one with nothing behind it; a key typed after a sequence is left unread.
     */
    public static void skipEscapeSequence(InputStream in) throws IOException {
        if (in.available() == 0) return; // Esc alone
        int next = in.read();
        if (next == '[') {
            int c;
            do {
                c = in.read();
            } while (c >= 0 && (c < 0x40 || c > 0x7e));
        } else if (next == 'O') {
            in.read();
        }
    }

    @Override
    public void close() {
        restore();
        try {
            Runtime.getRuntime().removeShutdownHook(restoreOnExit);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs restore, which is idempotent
        }
    }

    private synchronized void restore() {
        if (closed) return;
        closed = true;
        System.out.print(SHOW_CURSOR + "\n");
        System.out.flush();
        try {
            stty(saved);
        } catch (IOException e) {
            System.err.println("netext: could not restore the terminal (run 'stty sane'): " + e.getMessage());
        }
    }

    private static String stty(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("stty"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectInput(DEVICE).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) throw new IOException("stty " + String.join(" ", args) + " failed (exit " + p.exitValue() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running stty", e);
        }
        return out;
    }
}
