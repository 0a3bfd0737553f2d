/** The built-in {@code rules} filter: an ordered list of {@link dev.netext.flow.rules.FlowRule}s, first match decides. */
package dev.netext.flow.rules;
