package dev.netext.cli.sandbox;

/** One line of the sandbox's traffic table. */
record TrafficRow(String what, String path, int sent, int answered, String figures) {
    String loss() {
        return sent == 0 ? "-" : "%.0f%%".formatted(100.0 * (sent - answered) / sent);
    }
}
