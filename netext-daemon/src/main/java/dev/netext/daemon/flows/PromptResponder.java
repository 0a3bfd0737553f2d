package dev.netext.daemon.flows;

/** Resumes a paused flow with a person's answer (the daemon routes it to the filter that paused the flow). */
@FunctionalInterface
public interface PromptResponder {
    enum Outcome { RESUMED, NOT_PAUSED, UNKNOWN_FLOW }

    Outcome answer(long flowId, PromptAnswer answer);
}
