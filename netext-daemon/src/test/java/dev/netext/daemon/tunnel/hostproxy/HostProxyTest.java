package dev.netext.daemon.tunnel.hostproxy;

import dev.netext.api.tunnel.ProxySettings;
import dev.netext.linux.state.LedgerKind;
import dev.netext.linux.state.StateLedger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A tunnel's proxy as environment files (recorded in a PROXY ledger) and a loopback PAC file, removed at close. */
class HostProxyTest {
    private static final ProxySettings SERVERS = new ProxySettings(null, "10.7.0.80:3128", "[fd00::80]:3129",
            List.of("*.corp.example", "10.0.0.0/8", "intranet"));

    @TempDir
    Path dir;

    @Test
    void theEnvironmentFilesAndThePacComeAndGo() throws Exception {
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Files.createDirectories(etc.resolve("environment.d"));
        Path state = dir.resolve("state");
        Path profileD = etc.resolve("profile.d/netext-proxy-office.sh");
        Path environmentD = etc.resolve("environment.d/60-netext-proxy-office.conf");
        try (HostProxy h = HostProxy.apply("office", SERVERS, state, etc, true)) {
            String pacUrl = h.pacUrl();
            assertThat(pacUrl).matches("http://127\\.0\\.0\\.1:\\d+/proxy\\.pac");
            assertThat(h.files()).containsExactly(profileD, environmentD);
            String no = "*.corp.example".substring(1) + ",10.0.0.0/8,intranet,localhost,127.0.0.1,::1";
            assertThat(Files.readString(profileD)).contains(
                    "export http_proxy='http://10.7.0.80:3128/' HTTP_PROXY='http://10.7.0.80:3128/'\n",
                    "export https_proxy='http://[fd00::80]:3129/' HTTPS_PROXY='http://[fd00::80]:3129/'\n",
                    "export no_proxy='" + no + "' NO_PROXY='" + no + "'\n",
                    "export auto_proxy='" + pacUrl + "' AUTO_PROXY='" + pacUrl + "'\n");
            assertThat(Files.readString(environmentD)).contains("http_proxy=http://10.7.0.80:3128/\n", "no_proxy=" + no + "\n",
                    "auto_proxy=" + pacUrl + "\n");
            // each file is in the ledger before it is written: a kill -9 leaves nothing unnamed
            try (var ledgers = Files.list(state)) {
                Path ledger = ledgers.filter(p -> p.getFileName().toString().startsWith(LedgerKind.PROXY.prefix() + "-")).findFirst().orElseThrow();
                assertThat(StateLedger.entries(Files.readAllLines(ledger))).extracting(e -> e.get("path"))
                        .containsExactly(profileD.toString(), environmentD.toString());
            }

            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> pac = http.send(HttpRequest.newBuilder(URI.create(pacUrl)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(pac.statusCode()).isEqualTo(200);
            assertThat(pac.headers().firstValue("Content-Type")).hasValue(HostProxy.PAC_TYPE);
            assertThat(pac.body()).contains("function FindProxyForURL(url, host)",
                    "if (shExpMatch(host, \"*.corp.example\")) return \"DIRECT\";",
                    "if (isInNet(host, \"10.0.0.0\", \"255.0.0.0\")) return \"DIRECT\";",
                    "if (shExpMatch(host, \"intranet\")) return \"DIRECT\";",
                    "return \"PROXY [fd00::80]:3129\";", "return \"PROXY 10.7.0.80:3128\";");
            // a DNS-rebound page names its own host: refused, as the dashboard and metrics do
            URI u = URI.create(pacUrl);
            try (Socket s = new Socket(u.getHost(), u.getPort())) {
                s.getOutputStream().write(("GET /proxy.pac HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertThat(answer).startsWith("HTTP/1.1 421").doesNotContain("FindProxyForURL");
            }
        }
        assertThat(profileD).doesNotExist();
        assertThat(environmentD).doesNotExist();
        assertThat(state).doesNotExist(); // the ledger closed with it
    }

    @Test
    void aPacUrlIsPublishedAsItIs() throws Exception {
        Path etc = Files.createDirectories(dir.resolve("etc"));
        ProxySettings pacOnly = new ProxySettings(URI.create("https://wpad.corp.example/proxy.pac"), null, null, List.of());
        try (HostProxy h = HostProxy.apply("office", pacOnly, dir.resolve("state"), etc, false)) {
            assertThat(h.pacUrl()).isNull();
            assertThat(Files.readString(etc.resolve("profile.d/netext-proxy-office.sh")))
                    .contains("export auto_proxy='https://wpad.corp.example/proxy.pac'").doesNotContain("http_proxy");
            assertThat(etc.resolve("environment.d")).doesNotExist();
        }
    }

    @Test
    void aValueAShellWouldReadAsCodeIsRefusedBeforeAnythingIsWritten() {
        Path etc = dir.resolve("etc");
        ProxySettings evil = new ProxySettings(null, "x:1';touch /tmp/owned;'", null, List.of());
        assertThatThrownBy(() -> HostProxy.apply("office", evil, dir.resolve("state"), etc, true))
                .isInstanceOf(IOException.class).hasMessageContaining("has a character an environment file cannot carry");
        assertThat(etc).doesNotExist();
        assertThat(dir.resolve("state")).doesNotExist();
    }
}
