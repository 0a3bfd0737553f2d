package dev.netext.cli;

import dev.netext.cli.wg.UapiClient;
import dev.netext.cli.wg.WgShowFormat;
import dev.netext.daemon.profile.Profile;
import dev.netext.daemon.profile.TunnelConfigImporter;
import dev.netext.daemon.profile.TunnelSection;
import dev.netext.wireguard.Key;
import dev.netext.wireguard.config.WgQuickConfig;
import dev.netext.wireguard.config.WgQuickException;
import dev.netext.wireguard.config.WgQuickParser;
import dev.netext.wireguard.tunnel.WireGuardProvider;
import dev.netext.wireguard.uapi.UapiServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** {@code netext wg}: WireGuard interfaces from wg-quick files, and the {@code wg} tool's key and show commands. */
@Command(name = "wg", mixinStandardHelpOptions = true,
        description = "WireGuard: run a wg-quick file as a netext tunnel, make keys, show interfaces.",
        subcommands = {WgCommand.Up.class, WgCommand.GenKey.class, WgCommand.PubKey.class, WgCommand.GenPsk.class, WgCommand.Show.class})
public final class WgCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() { spec.commandLine().usage(System.out); }

    /** wg-quick's rule for the interface name it derives from the file name. */
    static final Pattern INTERFACE_NAME = Pattern.compile("[a-zA-Z0-9_=+.-]{1,15}");

    @Command(name = "up", mixinStandardHelpOptions = true,
            description = {"Run the wg-quick file FILE (wg0.conf → interface wg0) in the foreground until Ctrl-C or SIGTERM.",
                    "Addresses, routes for AllowedIPs (a full tunnel as wg-quick does it), MTU and DNS are applied; PreUp/PostUp are refused."})
    static final class Up implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "A wg-quick file, e.g. /etc/wireguard/wg0.conf.")
        Path file;

        @Override
        public Integer call() throws Exception {
            String base = file.getFileName().toString();
            String name = base.endsWith(".conf") ? base.substring(0, base.length() - 5) : base;
            if (!INTERFACE_NAME.matcher(name).matches())
                throw new UserError(file + ": the interface is named after the file; '" + name
                        + "' is not a valid interface name (1-15 of a-z A-Z 0-9 _ = + . -)", 2);
            WgQuickConfig config;
            try {
                config = WgQuickParser.parse(file);
            } catch (WgQuickException e) {
                System.err.println(e.getMessage());
                return 2;
            }
            UpCommand.Preflight.requireNetAdmin();
            TunnelConfigImporter.Imported imported = Providers.imported(config);
            TunnelSection section = new TunnelSection(WireGuardProvider.NAME,
                    Map.of(WireGuardProvider.CONFIG_OPTION, file.toAbsolutePath().normalize().toString()), name,
                    imported.settings(), imported.table(), imported.bypassMark());
            Profile profile = new Profile(name, true, file, Optional.of(section));
            return UpCommand.runInForeground(profile, new WireGuardProvider());
        }
    }

    @Command(name = "genkey", mixinStandardHelpOptions = true, description = "Print a new private key (as 'wg genkey').")
    static final class GenKey implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.println(Key.generatePrivate().toBase64());
            return 0;
        }
    }

    @Command(name = "genpsk", mixinStandardHelpOptions = true, description = "Print a new preshared key (as 'wg genpsk').")
    static final class GenPsk implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.println(Key.generatePreshared().toBase64());
            return 0;
        }
    }

    @Command(name = "pubkey", mixinStandardHelpOptions = true,
            description = "Read a private key on standard input, print its public key (as 'wg pubkey').")
    static final class PubKey implements Callable<Integer> {
        @Override
        public Integer call() throws IOException {
            String text = new String(System.in.readNBytes(1024), StandardCharsets.US_ASCII);
            Key key;
            try {
                key = Key.fromBase64(text);
            } catch (IllegalArgumentException e) {
                System.err.println("netext: key is not the correct length or format");
                return 1;
            }
            System.out.println(key.publicKey().toBase64());
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show WireGuard interfaces that serve the userspace API (netext's and wireguard-go's), as 'wg show'.")
    static final class Show implements Callable<Integer> {
        @Parameters(paramLabel = "INTERFACE", arity = "0..1", description = "An interface; all when left out.")
        String name;

        @Override
        public Integer call() throws IOException {
            Path dir = Path.of(System.getProperty("netext.wireguard.uapi-dir", UapiServer.DEFAULT_DIR.toString()));
            List<String> names = new ArrayList<>();
            if (name != null && !name.equals("all")) {
                names.add(name);
            } else if (Files.isDirectory(dir)) {
                try (Stream<Path> s = Files.list(dir)) {
                    s.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".sock"))
                            .map(f -> f.substring(0, f.length() - 5)).sorted().forEach(names::add);
                }
            }
            int status = 0;
            for (int i = 0; i < names.size(); i++) {
                String n = names.get(i);
                try {
                    List<String> get = UapiClient.get(UapiServer.socketPath(dir, n));
                    System.out.print(WgShowFormat.format(n, get, Instant.now()));
                    if (i + 1 < names.size()) System.out.println();
                } catch (IOException | IllegalArgumentException e) {
                    System.err.println("Unable to access interface " + n + ": " + (e.getMessage() == null ? e : e.getMessage()));
                    status = 1;
                }
            }
            return status;
        }
    }
}
