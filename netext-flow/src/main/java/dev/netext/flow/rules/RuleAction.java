package dev.netext.flow.rules;

/** What a matching {@link FlowRule} does. */
public enum RuleAction {
    ALLOW,
    DROP,
    /** Pause the flow and publish a {@code filter.prompt} event; a UI resumes it, or the prompt timeout decides. */
    PROMPT
}
