#!/usr/bin/env python3
"""Regenerates vectors.txt with Scapy (an implementation independent of netext-wire).

Usage: pip install scapy==2.7.0 && python3 gen_vectors.py > vectors.txt
Every line is "name hex". Checksums are left to Scapy (fields unset => computed on build).
"""
from scapy.all import IP, IPv6, ICMP, UDP, TCP, Raw, ICMPv6EchoRequest, ICMPv6EchoReply, \
    IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrRouting, PadN
import struct

def out(name, pkt):
    print(name, bytes(pkt).hex())

PING = bytes(range(0x10, 0x10 + 56))      # like ping(8)'s 56 data bytes
A4, B4 = "10.0.0.1", "10.0.0.2"
A6, B6 = "fd00::1", "fd00::2"

# ICMPv4 echo request and the reply the reflector must produce (TTL 64, type 0, addresses swapped).
out("v4_icmp_echo_request", IP(src=A4, dst=B4, id=0x4242, flags="DF", ttl=17) / ICMP(type=8, id=0x1234, seq=1) / Raw(PING))
out("v4_icmp_echo_reply", IP(src=B4, dst=A4, id=0x4242, flags="DF", ttl=64) / ICMP(type=0, id=0x1234, seq=1) / Raw(PING))

# UDP over IPv4, odd payload length.
out("v4_udp_request", IP(src=A4, dst=B4, id=7, ttl=3) / UDP(sport=40000, dport=7) / Raw(b"hello netext!"))
out("v4_udp_reply", IP(src=B4, dst=A4, id=7, ttl=64) / UDP(sport=7, dport=40000) / Raw(b"hello netext!"))

# UDP whose computed checksum is 0: Scapy transmits 0xFFFF (RFC 768).
base = IP(src=A4, dst=B4, id=9, ttl=64) / UDP(sport=1000, dport=2000, chksum=None) / Raw(b"\x00\x00zz")
ck = IP(bytes(base))[UDP].chksum  # with word 0 in payload
# choose the first payload word so that the final one's-complement sum is 0xFFFF, i.e. computed checksum 0
w = ck  # ~S0 == ck, and S0 + ~S0 == 0xFFFF
p = IP(src=A4, dst=B4, id=9, ttl=64) / UDP(sport=1000, dport=2000) / Raw(struct.pack("!H", w) + b"zz")
out("v4_udp_checksum_ffff", p)

# TCP SYN with options (MSS, SACK-permitted, timestamps, NOP, window scale).
out("v4_tcp_syn", IP(src=A4, dst=B4, id=1, ttl=64, flags="DF") / TCP(sport=51000, dport=443, seq=0x01020304, flags="S",
    window=64240, options=[("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)), ("NOP", None), ("WScale", 7)]))

# ICMPv6 echo and reply.
out("v6_icmp_echo_request", IPv6(src=A6, dst=B6, hlim=5, fl=0x12345) / ICMPv6EchoRequest(id=0x1234, seq=2, data=PING))
out("v6_icmp_echo_reply", IPv6(src=B6, dst=A6, hlim=64, fl=0x12345) / ICMPv6EchoReply(id=0x1234, seq=2, data=PING))

# UDP over IPv6.
out("v6_udp_request", IPv6(src=A6, dst=B6, hlim=9) / UDP(sport=5353, dport=9999) / Raw(b"pong me"))
out("v6_udp_reply", IPv6(src=B6, dst=A6, hlim=64) / UDP(sport=9999, dport=5353) / Raw(b"pong me"))

# Extension chains.
out("v6_hbh_dst_udp", IPv6(src=A6, dst=B6) / IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\x00" * 4)])
    / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00" * 12)]) / UDP(sport=1, dport=2) / Raw(b"x"))
out("v6_frag_first_udp", IPv6(src=A6, dst=B6) / IPv6ExtHdrFragment(id=0xabcdef, m=1, offset=0) / UDP(sport=1, dport=2) / Raw(b"y" * 16))
out("v6_frag_later", IPv6(src=A6, dst=B6, nh=44) / IPv6ExtHdrFragment(nh=17, id=0xabcdef, m=0, offset=3) / Raw(b"z" * 16))
out("v6_routing_icmp", IPv6(src=A6, dst=B6) / IPv6ExtHdrRouting(addresses=["fd00::3"], segleft=1) / ICMPv6EchoRequest(id=1, seq=1))
