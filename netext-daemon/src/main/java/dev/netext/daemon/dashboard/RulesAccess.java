package dev.netext.daemon.dashboard;

import dev.netext.daemon.rules.SavedRule;

import java.io.IOException;
import java.util.List;

/** The daemon's saved rules as the dashboard lists and deletes them ({@code /api/rules}). */
public interface RulesAccess {
    /** The live rules, in the order they are tried. */
    List<SavedRule> list();

    /** Deletes rule {@code id} (written to the rules file at once); false when there is none. */
    boolean delete(String id) throws IOException;

    /** No saved rules (a dashboard without a daemon, in tests). */
    RulesAccess NONE = new RulesAccess() {
        @Override public List<SavedRule> list() { return List.of(); }
        @Override public boolean delete(String id) { return false; }
    };
}
