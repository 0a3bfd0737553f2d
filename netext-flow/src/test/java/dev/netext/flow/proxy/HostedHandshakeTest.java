package dev.netext.flow.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HostedHandshakeTest {

    @Test
    void sendsTheTokenAndOpensOnTheAcceptedByte() throws Exception {
        byte[] token = new byte[HostedHandshake.TOKEN_BYTES];
        new Random(7).nextBytes(token);
        HostedHandshake h = new HostedHandshake(token);
        assertThat(h.start()).isEqualTo(token);
        assertThat(h.receive(ByteBuffer.allocate(0))).isEqualTo(UpstreamHandshake.Step.MORE);
        ByteBuffer in = ByteBuffer.wrap(new byte[]{HostedHandshake.ACCEPTED, 'H', 'T'});
        assertThat(h.receive(in)).isEqualTo(UpstreamHandshake.Step.DONE);
        assertThat(in.remaining()).isEqualTo(2); // the provider's first bytes belong to the application
    }

    @Test
    void anyOtherAnswerIsARefusal() {
        HostedHandshake h = new HostedHandshake(new byte[HostedHandshake.TOKEN_BYTES]);
        assertThatThrownBy(() -> h.receive(ByteBuffer.wrap(new byte[]{1}))).isInstanceOf(IOException.class)
                .hasMessageContaining("refused");
        assertThatThrownBy(() -> new HostedHandshake(new byte[3])).isInstanceOf(IllegalArgumentException.class);
    }
}
