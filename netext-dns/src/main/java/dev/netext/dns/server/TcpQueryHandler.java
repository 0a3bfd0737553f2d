package dev.netext.dns.server;

import dev.netext.api.dns.DnsTransport;
import dev.netext.dns.wire.DnsWire;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleStateEvent;

import java.net.InetSocketAddress;

/**
 * One client TCP connection (RFC 7766): length-prefixed queries (framing by the decoder before this handler), any
 * number pipelined, answered as they complete (out of order is allowed, §6.2.1.1). Closed after an idle period. A
 * connection a raw-flow provider claimed hands its messages to that flow instead.
 */
final class TcpQueryHandler extends SimpleChannelInboundHandler<ByteBuf> implements Responder.Target {
    private final DnsProxyServer host;
    private Channel channel;
    private RawDnsFlow raw; // the provider claimed this connection

    TcpQueryHandler(DnsProxyServer host) {
        this.host = host;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        InetSocketAddress client = (InetSocketAddress) ctx.channel().remoteAddress();
        channel = ctx.channel();
        if (client == null || !host.admits(client)) {
            ctx.close();
            return;
        }
        RawFlows flows = host.rawFlows();
        if (flows != null) raw = flows.tcp(channel, client, localAddress());
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (raw != null) raw.endOfInput();
        ctx.fireChannelInactive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
        long t0 = System.nanoTime();
        InetSocketAddress client = (InetSocketAddress) ctx.channel().remoteAddress();
        int length = frame.readableBytes();
        if (length > DnsWire.MAX_MESSAGE) { ctx.close(); return; }
        Scratch s = Scratch.forListener();
        frame.getBytes(frame.readerIndex(), s.in, 0, length);
        if (raw != null) {
            // a claimed connection: the provider reads every message; one it cannot keep up with ends the flow
            if (!raw.deliver(s.in, length, client)) ctx.close();
            return;
        }
        try {
            int n = host.processor().processOrHold(s, length, client, DnsTransport.TCP, this, t0);
            if (n > 0) write(ctx.channel(), s.out, n);
        } catch (RuntimeException e) {
            host.internalError(e);
            ctx.close();
        }
    }

    static void write(Channel ch, byte[] msg, int length) {
        ByteBuf out = ch.alloc().ioBuffer(length + DnsWire.TCP_LENGTH_PREFIX);
        out.writeShort(length).writeBytes(msg, 0, length);
        ch.writeAndFlush(out);
    }

    @Override
    public InetSocketAddress localAddress() { return Responder.Target.localAddress(channel); }

    @Override
    public Responder responder(InetSocketAddress client) {
        return Responder.on(channel, TcpQueryHandler::write);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // a framing error or a reset: the connection is done, the server is not
    }
}
