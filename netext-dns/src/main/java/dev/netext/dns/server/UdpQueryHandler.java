package dev.netext.dns.server;

import dev.netext.api.dns.DnsTransport;
import dev.netext.dns.wire.DnsWire;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;

/**
 * One UDP listener socket (there is one per I/O thread per address, joined by SO_REUSEPORT). Datagrams are handled
 * to completion on the I/O thread; immediate answers (cache hits, blocks) are written in the same read batch and
 * flushed once per batch, so the kernel gets them in one sendmmsg.
 */
final class UdpQueryHandler extends ChannelInboundHandlerAdapter implements Responder.Target {
    private final DnsProxyServer host;
    private Channel channel;

    UdpQueryHandler(DnsProxyServer host) {
        this.host = host;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket packet)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            long t0 = System.nanoTime();
            InetSocketAddress client = packet.sender();
            if (!host.admits(client)) return;
            ByteBuf content = packet.content();
            int length = content.readableBytes();
            if (length > DnsWire.MAX_MESSAGE) return;
            Scratch s = Scratch.forListener();
            content.getBytes(content.readerIndex(), s.in, 0, length);
            RawFlows raw = host.rawFlows();
            if (raw != null && raw.udp(s.in, length, client, localAddress(), this)) return;
            int n = host.processor().processOrHold(s, length, client, DnsTransport.UDP, this, t0);
            // the void promise: no promise object per answer; a failed send reaches exceptionCaught, which ignores it
            if (n > 0) ctx.write(new DatagramPacket(ctx.alloc().ioBuffer(n).writeBytes(s.out, 0, n), client), ctx.voidPromise());
        } catch (RuntimeException e) {
            host.internalError(e); // never let one bad datagram take the listener down
        } finally {
            packet.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // ICMP errors for clients that went away and the like: nothing to do for a listener
    }

    @Override
    public InetSocketAddress localAddress() { return Responder.Target.localAddress(channel); }

    @Override
    public Responder responder(InetSocketAddress client) {
        return Responder.on(channel, (ch, msg, length) ->
                ch.writeAndFlush(new DatagramPacket(ch.alloc().ioBuffer(length).writeBytes(msg, 0, length), client)));
    }
}
