package dev.netext.lab;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Hands this JVM's JaCoCo agent on to the child JVMs it starts, so that what a child {@code netext} runs counts in
 * the coverage report: when the build's {@code prepare-agent} started this JVM with
 * {@code -javaagent:…/org.jacoco.agent-…-runtime.jar=destfile=MODULE/target/jacoco.exec}, a child gets the same agent
 * and options but writes {@code MODULE/target/jacoco-children.exec} with {@code append=true} (the agent locks the
 * file while it appends, so concurrent children share it). The aggregate report reads every {@code target/*.exec}.
 * Without an agent here (e.g. {@code -Djacoco.skip=true}, the sandbox, benchmarks) children get none.
 */
public final class CoverageAgent {
    /** The file of child JVMs' execution data, beside this JVM's own. */
    public static final String CHILDREN_EXEC = "jacoco-children.exec";
    private static final String JAVAAGENT = "-javaagent:";
    /** As the agent splits its options: at a comma followed by the next {@code key=}, so values may hold commas. */
    private static final Pattern OPTION_SPLIT = Pattern.compile(",(?=[a-zA-Z0-9_\\-]+=)");
    private static final Optional<String> FOR_CHILDREN =
            forChildren(ManagementFactory.getRuntimeMXBean().getInputArguments());

    private CoverageAgent() {}

    /** The {@code -javaagent:} option for a child JVM, or empty when this JVM runs without JaCoCo. */
    public static Optional<String> forChildren() {
        return FOR_CHILDREN;
    }

    /** The child's {@code -javaagent:} option derived from this JVM's input arguments {@code jvmArgs}. */
    static Optional<String> forChildren(List<String> jvmArgs) {
        for (String arg : jvmArgs) {
            if (!arg.startsWith(JAVAAGENT)) continue;
            String spec = arg.substring(JAVAAGENT.length());
            int eq = spec.indexOf('=');
            String jar = eq < 0 ? spec : spec.substring(0, eq);
            if (!Path.of(jar).getFileName().toString().startsWith("org.jacoco.agent")) continue;
            String destfile = "jacoco.exec"; // the agent's default, relative to the working directory
            List<String> options = new ArrayList<>();
            if (eq >= 0) {
                for (String option : OPTION_SPLIT.split(spec.substring(eq + 1))) {
                    if (option.startsWith("destfile=")) destfile = option.substring("destfile=".length());
                    else if (!option.startsWith("append=") && !option.isEmpty()) options.add(option);
                }
            }
            Path children = Path.of(destfile).toAbsolutePath().resolveSibling(CHILDREN_EXEC);
            options.addFirst("append=true");
            options.addFirst("destfile=" + children);
            return Optional.of(JAVAAGENT + jar + "=" + String.join(",", options));
        }
        return Optional.empty();
    }
}
