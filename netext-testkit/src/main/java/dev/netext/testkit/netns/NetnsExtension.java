package dev.netext.testkit.netns;

import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.sys.HostPackages;
import dev.netext.linux.sys.MissingProgramException;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Gives a test its own {@link NetnsLab} — uniquely named network namespaces and veth links — and always removes it,
 * whether the test passes, fails or throws; a run killed outright is cleaned up by the next lab's start.
 *
 * <pre>{@code
 * @NetnsTest
 * void pingCrossesTheTunnel(NetnsLab lab) throws Exception {
 *     var device = lab.namespace("device");
 *     ...
 * }
 * }</pre>
 *
 * Needs root (namespaces, TUN). Without it the test is skipped on a developer machine, but fails under CI
 * ({@code CI} set): CI runs as root, so a skip there would hide a broken environment. A missing {@code ip} (iproute2)
 * is no reason to skip: it fails the test, naming the package.
 */
public final class NetnsExtension implements ParameterResolver, ExecutionCondition {
    private static final ExtensionContext.Namespace STORE = ExtensionContext.Namespace.create(NetnsExtension.class);

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String missing = missingPrerequisite();
        if (missing == null) return ConditionEvaluationResult.enabled("root with ip and /dev/net/tun");
        if (System.getenv("CI") != null)
            throw new IllegalStateException("network-namespace tests must run under CI, but " + missing);
        return ConditionEvaluationResult.disabled("skipped: " + missing + " (run as root to include namespace tests)");
    }

    static String missingPrerequisite() {
        if (!"root".equals(System.getProperty("user.name"))) return "not running as root";
        if (!Files.exists(Path.of("/dev/net/tun"))) return "/dev/net/tun is missing";
        try {
            HostPackages.require("ip");
        } catch (MissingProgramException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return null;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == NetnsLab.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return extensionContext.getStore(STORE).computeIfAbsent("lab", k -> {
            try {
                return NetnsLab.create();
            } catch (Exception e) {
                throw new ParameterResolutionException("could not create a network-namespace lab", e);
            }
        }, NetnsLab.class);
    }
}
