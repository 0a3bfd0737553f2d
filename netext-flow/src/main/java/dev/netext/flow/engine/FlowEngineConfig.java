package dev.netext.flow.engine;

import dev.netext.linux.state.StateLedger;
import dev.netext.linux.tproxy.InterceptionConfig;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the engine runs.
 *
 * @param providerName   the filter's profile name, used in events
 * @param scope          which local sockets are intercepted (nftables, in the kernel)
 * @param ipv6           intercept IPv6 too
 * @param peekTimeout    how long to wait for the client's first bytes before deciding without them (server-first
 *                       protocols send nothing)
 * @param peekMaxBytes   the most client bytes held while naming
 * @param connectTimeout upstream connect timeout
 * @param silentDropHold how long a silently dropped connection is held open (discarding) before it is reset
 * @param ledgerDir      where the state ledger lives
 * @param workerThreads  event loop threads
 * @param splice         allowed flows that no filter watches are spliced in the kernel (no copies into the JVM)
 * @param interception   UDP, gateway mode and the DNS port ({@link InterceptionOptions#DEFAULT} when null)
 */
public record FlowEngineConfig(String providerName, InterceptionConfig.Scope scope, boolean ipv6, Duration peekTimeout,
                               int peekMaxBytes, Duration connectTimeout, Duration silentDropHold, Path ledgerDir,
                               int workerThreads, boolean splice, InterceptionOptions interception) {
    /** The TCP-era form: default interception options. */
    public FlowEngineConfig(String providerName, InterceptionConfig.Scope scope, boolean ipv6, Duration peekTimeout,
                            int peekMaxBytes, Duration connectTimeout, Duration silentDropHold, Path ledgerDir,
                            int workerThreads, boolean splice) {
        this(providerName, scope, ipv6, peekTimeout, peekMaxBytes, connectTimeout, silentDropHold, ledgerDir,
                workerThreads, splice, null);
    }

    public FlowEngineConfig {
        if (interception == null) interception = InterceptionOptions.DEFAULT;
        if (providerName == null || providerName.isBlank()) throw new IllegalArgumentException("providerName is empty");
        if (scope == null) scope = InterceptionConfig.Scope.ALL;
        if (peekTimeout == null || peekTimeout.isNegative()) throw new IllegalArgumentException("bad peekTimeout");
        if (peekMaxBytes < 0 || peekMaxBytes > 64 * 1024) throw new IllegalArgumentException("peekMaxBytes outside 0..65536");
        if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero())
            throw new IllegalArgumentException("bad connectTimeout");
        if (silentDropHold == null || silentDropHold.isNegative()) throw new IllegalArgumentException("bad silentDropHold");
        if (ledgerDir == null) ledgerDir = StateLedger.DEFAULT_DIR;
        if (workerThreads <= 0) workerThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    public static FlowEngineConfig defaults(String providerName, InterceptionConfig.Scope scope) {
        return new FlowEngineConfig(providerName, scope, true, Duration.ofMillis(300), 16 * 1024, Duration.ofSeconds(10),
                Duration.ofSeconds(30), null, 0, true);
    }

    public FlowEngineConfig withLedgerDir(Path dir) {
        return new FlowEngineConfig(providerName, scope, ipv6, peekTimeout, peekMaxBytes, connectTimeout, silentDropHold,
                dir, workerThreads, splice, interception);
    }

    public FlowEngineConfig withSplice(boolean on) {
        return new FlowEngineConfig(providerName, scope, ipv6, peekTimeout, peekMaxBytes, connectTimeout, silentDropHold,
                ledgerDir, workerThreads, on, interception);
    }

    public FlowEngineConfig withInterception(InterceptionOptions options) {
        return new FlowEngineConfig(providerName, scope, ipv6, peekTimeout, peekMaxBytes, connectTimeout, silentDropHold,
                ledgerDir, workerThreads, splice, options);
    }
}
