package dev.netext.cli;

import dev.netext.cli.importer.ImportException;
import dev.netext.cli.importer.ImportedProfile;
import dev.netext.cli.importer.MobileconfigImporter;
import dev.netext.cli.importer.Plist;
import dev.netext.cli.importer.PlistException;
import dev.netext.cli.importer.WgQuickImporter;
import dev.netext.daemon.profile.ProfileException;
import dev.netext.daemon.profile.ProfileLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code netext import FILE [-o PROFILE]}: an Apple {@code .mobileconfig} (DNS settings, WireGuard VPN) or a wg-quick
 * file as a netext profile. The result is checked by the same loader the daemon uses before it is written.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Turn an Apple configuration profile (.mobileconfig: DNS settings, WireGuard VPN) or a wg-quick file into a netext profile.",
                "The profile goes to stdout or -o FILE; a WireGuard config from a .mobileconfig is written beside it (mode 0600)."})
public final class ImportCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "A .mobileconfig (XML plist) or a wg-quick .conf file.")
    Path file;

    @Option(names = {"-o", "--output"}, paramLabel = "PROFILE", description = "Write the profile here (e.g. /etc/netext/profiles.d/corp.yaml).")
    Path output;

    @Option(names = "--force", description = "Overwrite existing files.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UserError(file + ": no such file", 1);
        } catch (IOException e) {
            throw new UserError(file + ": " + e.getMessage(), 1);
        }
        Path dir = output != null ? output.toAbsolutePath().getParent() : Path.of("").toAbsolutePath();
        ImportedProfile imported;
        try {
            if (isWgQuick(file, bytes)) {
                imported = new WgQuickImporter().convert(file);
            } else {
                String fallback = file.getFileName().toString().replaceFirst("\\.[^.]*$", "");
                imported = new MobileconfigImporter().convert(Plist.parse(bytes), fallback.isEmpty() ? "imported" : fallback, dir);
            }
        } catch (PlistException | ImportException e) {
            throw new UserError(file + ": " + e.getMessage(), 1);
        }
        List<Path> written = new ArrayList<>();
        try {
            for (Map.Entry<String, String> f : imported.files().entrySet()) {
                Path p = Path.of(f.getKey());
                writeSecret(p, f.getValue());
                written.add(p);
            }
            Path as = output != null ? output.toAbsolutePath() : dir.resolve(imported.name() + ".yaml");
            new ProfileLoader(null, Providers.CONFIG_IMPORTERS).parse(imported.yaml(), as);
            if (output != null) {
                if (!force && Files.exists(output)) throw new UserError(output + " exists; use --force to replace it", 1);
                Files.writeString(output, imported.yaml(), StandardCharsets.UTF_8);
            } else {
                System.out.print(imported.yaml());
                System.out.flush();
            }
        } catch (ProfileException e) {
            for (Path p : written) Files.deleteIfExists(p);
            throw new UserError("the imported profile would not load in this netext, so nothing was written:\n" + e.getMessage()
                    + "\n--- the translation (not written) ---\n" + imported.yaml(), 1);
        } catch (RuntimeException | IOException e) {
            for (Path p : written) Files.deleteIfExists(p);
            throw e;
        }
        for (String n : imported.notes()) System.err.println("note: " + n);
        for (Path p : written) System.err.println("wrote " + p + " (mode 0600)");
        if (output != null) System.err.println("wrote " + output + " (profile " + imported.name() + ")");
        return 0;
    }

    private void writeSecret(Path p, String content) throws IOException {
        if (Files.exists(p) && !force) throw new UserError(p + " exists; use --force to replace it", 1);
        Files.deleteIfExists(p);
        try {
            Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            throw new UserError(p + " appeared while importing; not replacing it", 1);
        }
        Files.writeString(p, content, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    }

    private static boolean isWgQuick(Path file, byte[] bytes) {
        String head = new String(bytes, 0, Math.min(bytes.length, 4096), StandardCharsets.UTF_8).stripLeading();
        if (head.startsWith("<")) return false; // XML: a plist, even one that embeds a wg-quick config
        return file.toString().endsWith(".conf") || head.startsWith("[Interface]") || head.contains("\n[Interface]");
    }
}
