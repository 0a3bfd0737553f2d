/**
 * Peekers: read a flow's first bytes to name it, without terminating anything.
 *
 * <ul>
 *   <li>{@link dev.netext.wire.peek.TlsClientHelloPeeker}: SNI, ALPN, offered versions and ECH from a TLS ClientHello,
 *       on a TCP stream (records) or a QUIC CRYPTO stream (handshake messages).</li>
 *   <li>{@link dev.netext.wire.peek.HttpRequestPeeker}: method, version and target host of an HTTP/1.x request.</li>
 *   <li>{@link dev.netext.wire.peek.QuicInitialPeeker}: the ClientHello inside QUIC v1/v2 client Initial packets.</li>
 * </ul>
 *
 * <p>Every peek returns a {@link dev.netext.wire.peek.PeekStatus} and never throws on bad input; after
 * {@code COMPLETE} the peeker's accessors describe the message (copied out of the caller's buffer), after
 * {@code NEED_MORE} {@code needed()} says how many more bytes at least, after {@code MALFORMED} {@code problem()}
 * says why. Peekers are reusable and not thread-safe: keep one per worker.
 */
package dev.netext.wire.peek;
