/**
 * QUIC pieces the peekers need and a future QUIC stack can reuse: variable-length integers (RFC 9000 §16), Initial
 * secrets and keys (RFC 9001 §5.2, RFC 9369 §3.3), opening client Initial packets (header protection, AES-128-GCM;
 * RFC 9001 §5.3–5.4) and reassembling CRYPTO frames by offset (RFC 9000 §19.6). Only the JDK's own crypto is used
 * ({@code HmacSHA256}, {@code AES/ECB/NoPadding}, {@code AES/GCM/NoPadding}).
 */
package dev.netext.wire.quic;
