package dev.netext.cli.dns;

import dev.netext.linux.sys.HostPackages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway CA and one server certificate signed by it, made with {@code openssl} at test time (P-256, valid one
 * day): {@code ca.pem}, {@code server.pem} (the chain's leaf) and {@code server.key} (PKCS#8) in {@code dir}.
 */
public record TestCertificates(Path ca, Path cert, Path key) {

    /** @param subjectAltNames e.g. {@code DNS:dns.test}, {@code IP:10.53.3.2} */
    public static TestCertificates make(Path dir, String commonName, String... subjectAltNames) throws Exception {
        Path caKey = dir.resolve("ca.key"), ca = dir.resolve("ca.pem"), key = dir.resolve("server.key"),
                csr = dir.resolve("server.csr"), cert = dir.resolve("server.pem"), ext = dir.resolve("server.ext");
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", caKey.toString(), "-out", ca.toString(), "-days", "1", "-subj", "/CN=netext test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + commonName);
        Files.writeString(ext, "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
                + "subjectAltName=" + String.join(",", subjectAltNames) + "\n");
        openssl(dir, "x509", "-req", "-in", csr.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(),
                "-CAcreateserial", "-out", cert.toString(), "-days", "1", "-extfile", ext.toString());
        return new TestCertificates(ca, cert, key);
    }

    private static void openssl(Path dir, String... args) throws Exception {
        HostPackages.require("openssl");
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("openssl " + args[0] + " failed:\n" + out);
    }
}
