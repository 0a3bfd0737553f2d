package dev.netext.cli.sandbox;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table with columns sized to their widest cell; numbers right-aligned. */
public final class Table {
    private final List<String[]> rows = new ArrayList<>();
    private final boolean[] right;

    public Table(boolean[] rightAligned, String... header) {
        this.right = rightAligned;
        rows.add(header);
    }

    public void add(String... cells) { rows.add(cells); }

    public String render(String indent) {
        int cols = rows.getFirst().length;
        int[] w = new int[cols];
        for (String[] r : rows) for (int i = 0; i < cols; i++) w[i] = Math.max(w[i], r[i].length());
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            sb.append(indent);
            for (int i = 0; i < cols; i++) {
                String cell = r[i];
                String pad = " ".repeat(w[i] - cell.length());
                sb.append(right[i] ? pad + cell : cell + pad);
                if (i < cols - 1) sb.append("  ");
            }
            while (sb.length() > 0 && sb.charAt(sb.length() - 1) == ' ') sb.setLength(sb.length() - 1);
            sb.append(System.lineSeparator());
        }
        return sb.toString().stripTrailing() + System.lineSeparator();
    }
}
