#!/usr/bin/env python3
"""Regenerate the peer profiles (../profiles/*.json) from recorded ClientHellos.

Where a profile's offer (versions, cipher suites and their order, supported_groups)
comes from a real ClientHello, it is decoded here from the raw bytes, never typed
by hand:

  * testssl.sh's client simulation data, etc/client-simulation.txt
    (Debian package testssl.sh: /etc/testssl/client-simulation.txt; override with
    --testssl PATH), plus sources/testssl-upstream-entries.txt (entries newer
    than the Debian package, copied from upstream testssl/testssl.sh);
  * sources/captured-clienthellos.txt: ClientHellos recorded on this machine
    with capture_clienthello.py (real OpenSSL, CPython, Postfix and OpenJDK).

Profiles whose offer is documented rather than captured (Gmail, Microsoft 365,
Windows SChannel, the MTA-STS sender) are written from the tables in PROFILES
below, with the documents named in their "sources".

Usage:
    python3 make_from_testssl.py            # rewrite every profile JSON file
    python3 make_from_testssl.py --check    # exit 1 if a file differs from what would be written
    python3 make_from_testssl.py --dump "Java 8u161"   # show one decoded ClientHello

Policy fields (verification, key-size floors, plaintext fallback, notes) are
not in a ClientHello; they are set per profile in PROFILES with their sources.
"""
import argparse
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_TESTSSL = [
    "/etc/testssl/client-simulation.txt",
    "/usr/share/testssl/etc/client-simulation.txt",
    "/usr/share/testssl.sh/etc/client-simulation.txt",
]
UPSTREAM_EXTRA = os.path.join(HERE, "sources", "testssl-upstream-entries.txt")
CAPTURES = os.path.join(HERE, "sources", "captured-clienthellos.txt")

# IANA TLS Supported Groups names, as crates/wire/src/tls/names.rs spells them.
GROUPS = {
    1: "sect163k1", 2: "sect163r1", 3: "sect163r2", 4: "sect193r1", 5: "sect193r2",
    6: "sect233k1", 7: "sect233r1", 8: "sect239k1", 9: "sect283k1", 10: "sect283r1",
    11: "sect409k1", 12: "sect409r1", 13: "sect571k1", 14: "sect571r1", 15: "secp160k1",
    16: "secp160r1", 17: "secp160r2", 18: "secp192k1", 19: "secp192r1", 20: "secp224k1",
    21: "secp224r1", 22: "secp256k1", 23: "secp256r1", 24: "secp384r1", 25: "secp521r1",
    26: "brainpoolP256r1", 27: "brainpoolP384r1", 28: "brainpoolP512r1", 29: "x25519",
    30: "x448", 31: "brainpoolP256r1tls13", 32: "brainpoolP384r1tls13",
    33: "brainpoolP512r1tls13", 256: "ffdhe2048", 257: "ffdhe3072", 258: "ffdhe4096",
    259: "ffdhe6144", 260: "ffdhe8192", 0x11EB: "SecP256r1MLKEM768",
    0x11EC: "X25519MLKEM768", 0x11ED: "SecP384r1MLKEM1024",
    0x6399: "X25519Kyber768Draft00", 0xFF01: "arbitrary_explicit_prime_curves",
    0xFF02: "arbitrary_explicit_char2_curves",
}
VERSIONS = {0x0300: "SSLv3", 0x0301: "TLSv1.0", 0x0302: "TLSv1.1", 0x0303: "TLSv1.2", 0x0304: "TLSv1.3"}
SCSV = {0x00FF, 0x5600}  # EMPTY_RENEGOTIATION_INFO_SCSV, TLS_FALLBACK_SCSV


def is_grease(v):
    return (v & 0x0F0F) == 0x0A0A and (v >> 8) == (v & 0xFF)


def hexid(v):
    return "0x%04X" % v


class Reader:
    def __init__(self, b):
        self.b, self.i = b, 0

    def take(self, n):
        if self.i + n > len(self.b):
            raise ValueError("truncated at %d (+%d of %d)" % (self.i, n, len(self.b)))
        out = self.b[self.i:self.i + n]
        self.i += n
        return out

    def u8(self):
        return self.take(1)[0]

    def u16(self):
        return int.from_bytes(self.take(2), "big")

    def vec(self, lenbytes):
        return Reader(self.take(int.from_bytes(self.take(lenbytes), "big")))

    def done(self):
        return self.i == len(self.b)


def parse_client_hello(hexstr, lowest=None):
    """Decode a TLS record holding a ClientHello. Every length must add up."""
    rec = Reader(bytes.fromhex(hexstr))
    if rec.u8() != 0x16:
        raise ValueError("not a handshake record")
    rec.u16()
    body = rec.vec(2)
    if not rec.done():
        raise ValueError("bytes after the record")
    if body.u8() != 1:
        raise ValueError("not a ClientHello")
    hs = Reader(body.take(int.from_bytes(body.take(3), "big")))
    if not body.done():
        raise ValueError("bytes after the ClientHello")
    legacy_version = hs.u16()
    hs.take(32)
    hs.vec(1)  # session id
    cs = hs.vec(2)
    suites = []
    while not cs.done():
        suites.append(cs.u16())
    hs.vec(1)  # compression methods
    ext = {}
    order = []
    if not hs.done():
        exts = hs.vec(2)
        while not exts.done():
            t = exts.u16()
            ext[t] = exts.vec(2).b
            order.append(t)
    if not hs.done():
        raise ValueError("bytes after the extensions")
    groups = []
    if 0x000A in ext:
        g = Reader(ext[0x000A]).vec(2)
        while not g.done():
            v = g.u16()
            if not is_grease(v):
                groups.append(GROUPS.get(v, hexid(v)))
    if 0x002B in ext:
        sv = Reader(ext[0x002B]).vec(1)
        vers = []
        while not sv.done():
            v = sv.u16()
            if not is_grease(v):
                vers.append(v)
    else:
        lo = lowest if lowest is not None else legacy_version
        vers = [v for v in range(legacy_version, lo - 1, -1)]
    sni = None
    if 0x0000 in ext:
        sl = Reader(ext[0x0000]).vec(2)
        sl.u8()
        sni = sl.vec(2).b.decode("ascii", "replace")
    tls12 = [hexid(s) for s in suites if s not in SCSV and not is_grease(s) and (s >> 8) != 0x13]
    tls13 = [hexid(s) for s in suites if (s >> 8) == 0x13]
    return {
        "versions": [VERSIONS.get(v, hexid(v)) for v in sorted(vers)],
        "suites": tls12,
        "suites_tls13": tls13 if 0x0304 in vers else [],
        "groups": groups,
        "sni": sni,
        "extensions": [hexid(t) for t in order],
    }


FIELD = re.compile(r'^\s*(\w+)\+=\((.*)\)\s*$')


def parse_testssl(path):
    """Entries of a testssl client-simulation.txt, by names+= value."""
    entries, cur = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = FIELD.match(line)
            if not m:
                continue
            key, val = m.group(1), m.group(2).strip()
            if val.startswith('"') and val.endswith('"'):
                val = val[1:-1]
            if key == "names":
                cur = {}
                entries[val] = cur
            elif cur is not None:
                cur[key] = val
    return entries


def load_sources(testssl_path):
    if testssl_path is None:
        testssl_path = next((p for p in DEFAULT_TESTSSL if os.path.exists(p)), None)
        if testssl_path is None:
            sys.exit("testssl client-simulation.txt not found: apt-get install testssl.sh, or pass --testssl PATH")
    entries = parse_testssl(testssl_path)
    for k, v in parse_testssl(UPSTREAM_EXTRA).items():
        entries.setdefault(k, v)
    captures = {}
    with open(CAPTURES, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, hexstr = line.rstrip("\n").split("\t")
            captures[name] = hexstr
    return entries, captures


def decode(src, entries, captures):
    kind, name = src.split(":", 1)
    if kind == "testssl":
        e = entries[name]
        lowest = int(e.get("lowest_protocol", "0x0301"), 16)
        return parse_client_hello(e["handshakebytes"], lowest)
    if kind == "capture":
        return parse_client_hello(captures[name])
    raise KeyError(src)


# ---------------------------------------------------------------------------
# The profiles. "offer" is either a ClientHello source ("testssl:<entry name>" or
# "capture:<line name>") or None with explicit versions/suites/suites_tls13/groups.
# "versions", "drop_suites", "drop_groups" adjust a decoded offer where the
# shipped defaults differ from the capture (each such change is explained in notes).
# ---------------------------------------------------------------------------

TESTSSL = "testssl.sh etc/client-simulation.txt"

# Gmail: support.google.com/a/answer/9795993, list updated March 2023. Order: the page
# lists alphabetically; the order here is BoringSSL's default preference (AES-GCM before
# CBC, ECDHE before RSA), which Google's own stack uses.
GMAIL_TLS12 = ["0xC02B", "0xC02F", "0xC02C", "0xC030", "0xC009", "0xC013", "0xC00A", "0xC014",
               "0x009C", "0x009D", "0x002F", "0x0035", "0x000A"]
GMAIL_TLS13 = ["0x1301", "0x1302", "0x1303"]

# Microsoft 365 (Exchange Online): "Technical reference details about encryption",
# section "TLS cipher suites supported by Microsoft 365" (strongest first), plus the
# ECDSA twins that SChannel on Windows Server 2022 offers, placed as SChannel orders them.
M365_TLS12 = ["0xC02C", "0xC02B", "0xC030", "0xC02F", "0xC024", "0xC023", "0xC028", "0xC027",
              "0xC00A", "0xC009", "0xC014", "0xC013", "0x009D", "0x009C", "0x003D", "0x003C",
              "0x0035", "0x002F"]
SCHANNEL_TLS13 = ["0x1302", "0x1301"]
SCHANNEL_GROUPS = ["x25519", "secp256r1", "secp384r1"]

# Windows Server 2022 / Windows 11 (21H2) SChannel default cipher suite order
# (MicrosoftDocs/win32 desktop-src/SecAuthN/tls-cipher-suites-in-windows-server-2022.md and
# tls-cipher-suites-in-windows-11.md), minus what SCH_USE_STRONG_CRYPTO filters (3DES, NULL),
# which .NET always sets for EncryptionPolicy.RequireEncryption.
SCHANNEL_TLS12 = ["0xC02C", "0xC02B", "0xC030", "0xC02F", "0x009F", "0x009E", "0xC024", "0xC023",
                  "0xC028", "0xC027", "0xC00A", "0xC009", "0xC014", "0xC013", "0x009D", "0x009C",
                  "0x003D", "0x003C", "0x0035", "0x002F"]

# Static-ECDH suites that current JDK builds disable ("ECDH" in jdk.tls.disabledAlgorithms,
# JDK-8279164, also in 11.0.20 and later).
JDK_STATIC_ECDH = ["0xC02E", "0xC032", "0xC02D", "0xC031", "0xC026", "0xC02A", "0xC025", "0xC029",
                   "0xC005", "0xC00F", "0xC004", "0xC00E"]

PROFILES = [
    # ------------------------------------------------------------------ senders (MTAs)
    {
        "id": "gmail-mx",
        "name": "Gmail / Google Workspace delivering to your MX (inbound mail from Gmail)",
        "role": "sender",
        "offer": None,
        "versions": ["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
        "suites": GMAIL_TLS12,
        "suites_tls13": GMAIL_TLS13,
        "groups": ["x25519", "secp256r1", "secp384r1"],
        "sends_sni": True,
        "verifies_chain": False,
        "verifies_name": False,
        "name_checked": "none",
        "accepts_self_signed": True,
        "fetches_missing_intermediates": False,
        "min_rsa_bits": 0,
        "min_dh_bits": 0,
        "rejects_sha1_certificates": False,
        "falls_back_to_plaintext": True,
        "fix_client": None,
        "notes": "Opportunistic STARTTLS: a certificate Gmail cannot verify does not stop delivery, and a failed handshake means delivery without TLS, unless the recipient domain publishes an enforcing MTA-STS policy (then see mta-sts-sender) or the sending Workspace admin set a 'require TLS' compliance rule. Suite order and supported groups are not published (the help page lists suites alphabetically); the order here is BoringSSL's default preference and the groups are BoringSSL's classic defaults.",
        "sources": [
            "Google Workspace Admin Help 'Ciphers for Gmail SMTP TLS connections', support.google.com/a/answer/9795993 (list updated March 2023; outbound section: Gmail offers TLS 1.3, 1.2, 1.1 and 1.0, no SSLv3)",
            "Google Workspace Admin Help 'Require a secure connection for email' (TLS compliance rules), support.google.com/a/answer/2520500",
            "RFC 8461 (MTA-STS) section 5: senders fall back to plaintext only without an enforcing policy",
        ],
    },
    {
        "id": "gmail-send-as",
        "name": "Gmail 'Send mail as' relaying through your SMTP server (Settings > Accounts > Send mail as)",
        "role": "client",
        "offer": None,
        "versions": ["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
        "suites": GMAIL_TLS12,
        "suites_tls13": GMAIL_TLS13,
        "groups": ["x25519", "secp256r1", "secp384r1"],
        "sends_sni": True,
        "verifies_chain": True,
        "verifies_name": True,
        "name_checked": "host",
        "accepts_self_signed": False,
        "fetches_missing_intermediates": False,
        "min_rsa_bits": 0,
        "min_dh_bits": 0,
        "rejects_sha1_certificates": False,
        "falls_back_to_plaintext": False,
        "fix_client": None,
        "notes": "Since about 2020 Gmail checks the certificate of the server entered under 'Send mail as' against public roots and the host name typed in the settings; a self-signed, expired, incomplete or mismatching certificate makes the account setup (or later sending) fail. Offer assumed equal to Gmail's SMTP stack (same help page). No key-size or SHA-1 rule is published for this path (publicly trusted certificates have neither problem anyway).",
        "sources": [
            "Google Workspace Admin Help 'Ciphers for Gmail SMTP TLS connections', support.google.com/a/answer/9795993",
            "Gmail Help 'Send emails from a different address or alias', support.google.com/mail/answer/22370 (SMTP server, port and 'Secured connection using TLS')",
        ],
    },
    {
        "id": "m365",
        "name": "Microsoft 365 / Exchange Online delivering to your MX",
        "role": "sender",
        "offer": None,
        "versions": ["TLSv1.2", "TLSv1.3"],
        "suites": M365_TLS12,
        "suites_tls13": SCHANNEL_TLS13,
        "groups": SCHANNEL_GROUPS,
        "sends_sni": True,
        "verifies_chain": False,
        "verifies_name": False,
        "name_checked": "none",
        "accepts_self_signed": True,
        "fetches_missing_intermediates": False,
        "min_rsa_bits": 0,
        "min_dh_bits": 0,
        "rejects_sha1_certificates": True,
        "falls_back_to_plaintext": True,
        "fix_client": None,
        "notes": "Opportunistic TLS by default (an outbound connector with TLS settings, or the recipient's MTA-STS policy, makes it strict). TLS 1.0/1.1 and 3DES are gone from Exchange Online (2020, 2019); a server offering only those gets mail in plaintext or not at all. TLS 1.3 is offered by some Microsoft 365 services only. Microsoft states it accepts no SHA-1 certificate for outbound or inbound connections since June 2016. Groups are SChannel's defaults (Windows Server); SNI behaviour is not documented.",
        "sources": [
            "Microsoft Learn 'Technical reference details about encryption' (microsoft-365 / purview), sections 'Versions of TLS supported by Microsoft 365', 'Deprecating support for 3DES', 'Deprecating SHA-1 certificate support', 'TLS cipher suites supported by Microsoft 365' (ms.date 06/14/2023)",
            "MicrosoftDocs/win32 desktop-src/SecAuthN/tls-cipher-suites-in-windows-server-2022.md (ECDSA suites and order)",
            "MicrosoftDocs/win32 desktop-src/SecAuthN/tls-elliptic-curves-in-windows-10-1607-and-later.md (curve25519, NistP256, NistP384)",
        ],
    },
    {
        "id": "mta-sts-sender",
        "name": "A sender enforcing your MTA-STS policy (mode: enforce), e.g. Postfix + postfix-mta-sts-resolver or a large provider",
        "role": "sender",
        "offer": "capture:openssl-3.0.19-s_client",
        "versions": ["TLSv1.2", "TLSv1.3"],
        "sends_sni": True,
        "verifies_chain": True,
        "verifies_name": True,
        "name_checked": "mx",
        "accepts_self_signed": False,
        "fetches_missing_intermediates": False,
        "min_rsa_bits": 2048,
        "min_dh_bits": 2048,
        "rejects_sha1_certificates": True,
        "falls_back_to_plaintext": False,
        "fix_client": None,
        "notes": "RFC 8461: the MX host must present a certificate valid for the MX name (matching a policy 'mx' pattern) that chains to a root the sender trusts, with TLS 1.2 or later; otherwise the message is not delivered to that MX (it stays queued and bounces), never sent in plaintext. The offer is a modern OpenSSL 3 (Debian 12) client; real enforcing senders differ in detail but not in these checks.",
        "sources": [
            "RFC 8461 sections 4.1 (MX host validation: PKIX, name, TLS 1.2+) and 5 (policy application: no plaintext fallback in enforce mode)",
            "ClientHello of OpenSSL 3.0.19 (Debian 12) s_client recorded by capture_clienthello.py (sources/captured-clienthellos.txt)",
            TESTSSL + " entry 'OpenSSL 3.0.15 (Debian)' (same offer)",
        ],
    },
    {
        "id": "postfix",
        "name": "Postfix smtp(8) delivering to your MX (Postfix 3.7, OpenSSL 3.0, Debian defaults: smtp_tls_security_level = may)",
        "role": "sender",
        "offer": "capture:postfix-3.7.11-posttls-finger-may",
        "versions": ["TLSv1.2", "TLSv1.3"],
        "sends_sni": False,
        "verifies_chain": False,
        "verifies_name": False,
        "name_checked": "none",
        "accepts_self_signed": True,
        "fetches_missing_intermediates": False,
        "min_rsa_bits": 0,
        "min_dh_bits": 2048,
        "rejects_sha1_certificates": False,
        "falls_back_to_plaintext": True,
        "fix_client": None,
        "notes": "Opportunistic ('may', Debian's main.cf default; upstream's empty default means no TLS at all): no certificate check, and a failed STARTTLS handshake is retried in plaintext. No SNI unless smtp_tls_servername is set. smtp_tls_protocols '>=TLSv1' puts TLS 1.0-1.3 in the ClientHello, but with OpenSSL 3 at Debian's security level 2 a TLS 1.0/1.1 handshake with (EC)DHE fails ('legacy sigalg disallowed') and only RSA key exchange works there, hence TLS 1.2-1.3 in this profile (a TLS 1.0-only server that picks an RSA-key-exchange suite still gets TLS). Level 2 also makes a DHE group under 2048 bits fail the handshake ('dh key too small'); weak RSA keys and SHA-1 signatures in the certificate are only verification errors, which this level ignores. The offer includes anonymous (aNULL) suites because nothing is authenticated at this level.",
        "sources": [
            "ClientHello recorded from posttls-finger -l may (Postfix 3.7.11, OpenSSL 3.0.19, Debian 12) by capture_clienthello.py (sources/captured-clienthellos.txt)",
            "postconf(5) / postconf -d of Postfix 3.7.11: smtp_tls_protocols = >=TLSv1, smtp_tls_ciphers = medium, tls_medium_cipherlist = aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH, tls_eecdh_auto_curves = X25519 X448 prime256v1 secp521r1 secp384r1, smtp_tls_servername empty",
            "postconf(5) smtp_use_tls and smtp_tls_dane_insecure_mx_policy: with opportunistic TLS 'if the STARTTLS handshake fails, mail may be sent in the clear' (Postfix >= 2.3)",
            "OpenSSL 3.0 SSL_CTX_set_security_level(3): SHA-1/MD5 signatures forbidden from level 1; Debian builds OpenSSL with level 2 (112-bit: RSA/DH >= 2048)",
        ],
    },
    {
        "id": "exim",
        "name": "Exim smtp transport delivering to your MX (Exim 4.9x with OpenSSL 3, defaults)",
        "role": "sender",
        "offer": "capture:openssl-3.0.19-s_client",
        "versions": ["TLSv1.2", "TLSv1.3"],
        "sends_sni": False,
        "verifies_chain": False,
        "verifies_name": False,
        "name_checked": "none",
        "accepts_self_signed": True,
        "fetches_missing_intermediates": False,
        "min_rsa_bits": 0,
        "min_dh_bits": 2048,
        "rejects_sha1_certificates": False,
        "falls_back_to_plaintext": True,
        "fix_client": None,
        "notes": "Opportunistic: hosts_try_tls = * and tls_try_verify_hosts = * mean Exim tries STARTTLS and tries to verify, but delivers anyway; if the handshake fails it retries in clear unless the host is in hosts_require_tls (tls_tempfail_tryclear = true). No SNI unless the transport sets tls_sni. The offer is OpenSSL 3's default (tls_require_ciphers unset) as in Debian 12's exim4 (OpenSSL build); Exim's openssl_options do not disable TLS 1.0/1.1, which OpenSSL 3 offers but cannot complete with (EC)DHE at security level 2, hence TLS 1.2-1.3 here; a DHE group under 2048 bits fails the handshake, while weak keys or SHA-1 in the certificate only fail the (non-blocking) verification. Debian's exim4-daemon packages are built with GnuTLS, whose offer differs.",
        "sources": [
            "Exim specification, chapter 'The smtp transport': hosts_try_tls (default *), tls_try_verify_hosts (default *), tls_verify_certificates (default system), tls_sni (default unset), tls_tempfail_tryclear (default true)",
            "Exim specification, chapter 'Encrypted SMTP connections using TLS/SSL': tls_require_ciphers unset = library default; openssl_options defaults disable SSLv2/SSLv3 only",
            "ClientHello of OpenSSL 3.0.19 (Debian 12) recorded by capture_clienthello.py (sources/captured-clienthellos.txt)",
        ],
    },
    # ------------------------------------------------------------------ Python
    {
        "id": "python-3.8",
        "name": "Python 3.7-3.9 ssl.create_default_context() (smtplib with context=), OpenSSL 1.1.1",
        "role": "client",
        "offer": "capture:python-3.8.18-create_default_context",
        "drop_groups": ["ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192"],
        "sends_sni": True,
        "verifies_chain": True,
        "verifies_name": True,
        "name_checked": "host",
        "accepts_self_signed": False,
        "fetches_missing_intermediates": False,
        "min_rsa_bits": 1024,
        "min_dh_bits": 1024,
        "rejects_sha1_certificates": False,
        "falls_back_to_plaintext": False,
        "fix_client": None,
        "notes": "Cipher string is CPython's PY_SSL_DEFAULT_CIPHER_STRING 'DEFAULT:!aNULL:!eNULL:!MD5:!3DES:!DES:!RC4:!IDEA:!SEED:!aDSS:!SRP:!PSK' (bpo-31429, Python 3.7-3.9; not the older _DEFAULT_CIPHERS list of 3.6). TLS 1.0-1.3 offered (minimum not raised). Offer recorded from CPython 3.8.18; with OpenSSL 1.1.1 the TLS 1.2 and 1.3 suites are the same and supported_groups lack the ffdhe groups (removed here). OpenSSL 1.1.1's default security level 1 rejects RSA and DH keys under 1024 bits but accepts SHA-1 certificates; a distribution openssl.cnf (Debian 10/11: MinProtocol TLSv1.2, SECLEVEL=2; RHEL 8 crypto-policies) can raise both.",
        "sources": [
            "ClientHello of CPython 3.8.18 ssl.create_default_context() recorded by capture_clienthello.py (sources/captured-clienthellos.txt)",
            "CPython Modules/_ssl.c (3.7-3.9) PY_SSL_DEFAULT_CIPHER_STRING; python/cpython PR #3532 (bpo-31429: define TLS cipher suite on build time)",
            TESTSSL + " entry 'OpenSSL 1.1.1d (Debian)' (OpenSSL 1.1.1 supported_groups: x25519, secp256r1, x448, secp521r1, secp384r1)",
            "OpenSSL 1.1.1 SSL_CTX_set_security_level(3): level 1 = 80 bits (RSA/DH >= 1024)",
        ],
    },
    {
        "id": "python-3.10",
        "name": "Python 3.10+ ssl.create_default_context() (smtplib with context=)",
        "role": "client",
        "offer": "capture:python-3.10.13-create_default_context",
        "sends_sni": True,
        "verifies_chain": True,
        "verifies_name": True,
        "name_checked": "host",
        "accepts_self_signed": False,
        "fetches_missing_intermediates": False,
        "min_rsa_bits": 2048,
        "min_dh_bits": 2048,
        "rejects_sha1_certificates": True,
        "falls_back_to_plaintext": False,
        "fix_client": None,
        "notes": "bpo-43998 (Python 3.10): minimum TLS 1.2 and cipher string '@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM': forward-secret AEAD/SHA-2 suites only (no RSA key exchange, no SHA-1 MAC suites such as ECDHE-RSA-AES128-SHA), and security level 2 refuses RSA/DH keys under 2048 bits and SHA-1-signed certificates. The same offer was recorded from 3.13.0. An old server with only CBC-SHA1 or RSA-kex suites fails here although older Pythons connect.",
        "sources": [
            "ClientHello of CPython 3.10.13 and 3.13.0 ssl.create_default_context() (OpenSSL 3.0.19) recorded by capture_clienthello.py (sources/captured-clienthellos.txt)",
            "python/cpython PR #25778 (bpo-43998: Default to TLS 1.2 and increase cipher suite security), Python 3.10 What's New, ssl section",
            "OpenSSL SSL_CTX_set_security_level(3): level 2 = 112 bits (RSA/DH >= 2048, no SHA-1 signatures)",
        ],
    },
    {
        "id": "python-smtplib-unverified",
        "name": "Python smtplib.SMTP.starttls() / SMTP_SSL() without context= (3.10+)",
        "role": "client",
        "offer": "capture:python-3.11.7-smtplib-starttls-nocontext",
        "sends_sni": True,
        "verifies_chain": False,
        "verifies_name": False,
        "name_checked": "none",
        "accepts_self_signed": True,
        "fetches_missing_intermediates": False,
        "min_rsa_bits": 0,
        "min_dh_bits": 2048,
        "rejects_sha1_certificates": False,
        "falls_back_to_plaintext": False,
        "fix_client": "smtp.starttls(context=ssl.create_default_context())  # smtplib verifies nothing without a context",
        "notes": "Without context= smtplib uses ssl._create_stdlib_context(), i.e. no certificate or host-name check at all (cpython#91826): any certificate is accepted, so a man in the middle goes unnoticed. The offer is still that of an SSLContext on 3.10+ (TLS 1.2+, forward-secret AEAD/SHA-2 suites), and security level 2 still fails the handshake on a DHE group under 2048 bits; a 1024-bit RSA or SHA-1-signed certificate passes because nothing is verified (tested here with a local s_server). Python 3.7-3.9 without context offered TLS 1.0-1.3 with the older cipher string (recorded from 3.8.18, same as python-3.8's offer).",
        "sources": [
            "ClientHello of CPython 3.11.7 smtplib.SMTP.starttls() without context recorded by capture_clienthello.py --smtp (sources/captured-clienthellos.txt); CPython 3.8.18 recorded too",
            "python/cpython issue #91826 (smtplib and other stdlib clients do not verify certificates by default)",
            "CPython Lib/smtplib.py starttls(): context = ssl._create_stdlib_context() when none is given",
        ],
    },
    # ------------------------------------------------------------------ Java
    {
        "id": "java-8",
        "name": "Java 8 before 8u261 (e.g. 8u161-8u25x) with JavaMail, TLS 1.0-1.2",
        "role": "client",
        "offer": "testssl:Java 8u161",
        "sends_sni": True,
        "verifies_chain": True,
        "verifies_name": False,
        "name_checked": "none",
        "accepts_self_signed": False,
        "fetches_missing_intermediates": False,
        "min_rsa_bits": 1024,
        "min_dh_bits": 1024,
        "rejects_sha1_certificates": False,
        "falls_back_to_plaintext": False,
        "fix_client": "props.put(\"mail.smtp.ssl.checkserveridentity\", \"true\"); and update the JRE (8u291+ drops TLS 1.0/1.1, 8u341+ offers TLS 1.3)",
        "notes": "JSSE verifies the chain against the JRE's cacerts, but JavaMail checks the host name only with mail.smtp.ssl.checkserveridentity=true (default false in com.sun.mail JavaMail/Jakarta Mail; true only in Eclipse Angus Mail), so a name mismatch passes. Java 8 cannot use a DHE group above 2048 bits (maxDhBits 2048 in testssl), so a server with ffdhe3072/4096-only DHE and no ECDHE fails. The DH floor 1024 is later 8u's 'DH keySize < 1024' (8u builds from 8u51 up to about 8u161 had 'DH keySize < 768'). 'SHA1 jdkCA & usage TLSServer' only refuses SHA-1 chains ending in a root shipped in cacerts, so it is not modelled here (no public SHA-1 chain is still valid).",
        "sources": [
            TESTSSL + " entry 'Java 8u161' (ClientHello bytes, lowest_protocol 0x0301, maxDhBits 2048)",
            "JDK java.security: jdk.tls.disabledAlgorithms (DH keySize < 1024), jdk.certpath.disabledAlgorithms (RSA keySize < 1024)",
            "JavaMail API com.sun.mail.smtp package documentation and SSLNOTES.txt: mail.smtp.ssl.checkserveridentity (default false)",
        ],
    },
    {
        "id": "java-8u291",
        "name": "Java 8u291-8u33x (TLS 1.0/1.1 disabled, TLS 1.3 client still off by default)",
        "role": "client",
        "offer": "testssl:Java 8u442 (OpenJDK)",
        "versions": ["TLSv1.2"],
        "sends_sni": True,
        "verifies_chain": True,
        "verifies_name": False,
        "name_checked": "none",
        "accepts_self_signed": False,
        "fetches_missing_intermediates": False,
        "min_rsa_bits": 1024,
        "min_dh_bits": 1024,
        "rejects_sha1_certificates": True,
        "falls_back_to_plaintext": False,
        "fix_client": "props.put(\"mail.smtp.ssl.checkserveridentity\", \"true\");  (a server that only speaks TLS 1.0/1.1 needs the server fixed, not jdk.tls.disabledAlgorithms edited)",
        "notes": "8u291 (April 2021) put TLSv1 and TLSv1.1 in jdk.tls.disabledAlgorithms (JDK-8202343/CSR JDK-8254713), so a TLS 1.0/1.1-only server fails with 'No appropriate protocol'. TLS 1.3 exists since 8u261 but the client side was enabled by default only in 8u341, so TLS 1.2 only here. Suites and groups are taken from the 8u442 ClientHello's TLS 1.2 part (same JSSE generation); an 8u291 may lack the ChaCha20 suites and x25519/x448. JavaMail host-name check off by default as in java-8.",
        "sources": [
            TESTSSL + " entry 'Java 8u442 (OpenJDK)' (upstream testssl/testssl.sh, see sources/testssl-upstream-entries.txt)",
            "OpenJDK CSR JDK-8254713 'Disable TLS 1.0 and 1.1' (backported to 8u291 / 11.0.11)",
            "OpenJDK CSR JDK-8248721 'Backport TLSv1.3 protocol implementation' (8u261, client TLS 1.3 off by default until 8u341)",
        ],
    },
    {
        "id": "java-11",
        "name": "Java 11 (current 11.0.x updates) with JavaMail / Jakarta Mail",
        "role": "client",
        "offer": "testssl:Java 11.0.2 (OpenJDK)",
        "versions": ["TLSv1.2", "TLSv1.3"],
        "drop_suites": JDK_STATIC_ECDH,
        "sends_sni": True,
        "verifies_chain": True,
        "verifies_name": False,
        "name_checked": "none",
        "accepts_self_signed": False,
        "fetches_missing_intermediates": False,
        "min_rsa_bits": 1024,
        "min_dh_bits": 1024,
        "rejects_sha1_certificates": True,
        "falls_back_to_plaintext": False,
        "fix_client": "props.put(\"mail.smtp.ssl.checkserveridentity\", \"true\");",
        "notes": "ClientHello from 11.0.2; current 11.0.x differ: TLS 1.0/1.1 disabled since 11.0.11 (JDK-8202343), static-ECDH suites disabled since 11.0.20 (JDK-8279164, removed here). Java 11 has no x25519 in TLS (added in JDK 13) and no TLS 1.3 ChaCha20 in 11.0.2. Host-name check depends on the mail library: com.sun.mail JavaMail/Jakarta Mail default mail.smtp.ssl.checkserveridentity=false; Eclipse Angus Mail defaults to true.",
        "sources": [
            TESTSSL + " entry 'Java 11.0.2 (OpenJDK)'",
            "OpenJDK CSR JDK-8254713 'Disable TLS 1.0 and 1.1' (11.0.11)",
            "JDK java.security of 11.0.x/17.0.x: jdk.tls.disabledAlgorithms (SSLv3, TLSv1, TLSv1.1, ..., DH keySize < 1024, ECDH), jdk.certpath.disabledAlgorithms (SHA1 jdkCA & usage TLSServer, RSA keySize < 1024)",
        ],
    },
    {
        "id": "java-17",
        "name": "Java 17 (17.0.15) with Jakarta Mail / JavaMail",
        "role": "client",
        "offer": "capture:java-17.0.15-debian-SSLSocketFactory",
        "sends_sni": True,
        "verifies_chain": True,
        "verifies_name": False,
        "name_checked": "none",
        "accepts_self_signed": False,
        "fetches_missing_intermediates": False,
        "min_rsa_bits": 1024,
        "min_dh_bits": 1024,
        "rejects_sha1_certificates": True,
        "falls_back_to_plaintext": False,
        "fix_client": "props.put(\"mail.smtp.ssl.checkserveridentity\", \"true\");  (the default only in Eclipse Angus Mail)",
        "notes": "Recorded from OpenJDK 17.0.15 (Debian), whose java.security has jdk.tls.disabledAlgorithms 'SSLv3, TLSv1, TLSv1.1, DTLSv1.0, RC4, DES, MD5withRSA, DH keySize < 1024, EC keySize < 224, 3DES_EDE_CBC, anon, NULL, ECDH' and jdk.certpath.disabledAlgorithms 'MD2, MD5, SHA1 jdkCA & usage TLSServer, RSA keySize < 1024, ...'. testssl's 'Java 17.0.3 (OpenJDK)' is the same minus the DHE-DSS suites. SHA-1 rejection applies to chains ending in a JDK cacerts root. Host-name check depends on the mail library as in java-11.",
        "sources": [
            "ClientHello of OpenJDK 17.0.15 (Debian 12) SSLSocketFactory recorded by capture_clienthello.py (sources/captured-clienthellos.txt)",
            "/usr/lib/jvm/java-17-openjdk-amd64/conf/security/java.security (jdk.tls.disabledAlgorithms, jdk.certpath.disabledAlgorithms)",
            TESTSSL + " entry 'Java 17.0.3 (OpenJDK)'",
        ],
    },
    {
        "id": "java-21",
        "name": "Java 21 (21.0.6) with Jakarta Mail / Angus Mail",
        "role": "client",
        "offer": "testssl:Java 21.0.6 (OpenJDK)",
        "sends_sni": True,
        "verifies_chain": True,
        "verifies_name": True,
        "name_checked": "host",
        "accepts_self_signed": False,
        "fetches_missing_intermediates": False,
        "min_rsa_bits": 1024,
        "min_dh_bits": 1024,
        "rejects_sha1_certificates": True,
        "falls_back_to_plaintext": False,
        "fix_client": None,
        "notes": "TLS 1.2-1.3 (the ClientHello's supported_versions lists only 1.3 and 1.2). Assumes a current mail stack (Jakarta Mail 2.1 API with Eclipse Angus Mail, whose mail.smtp.ssl.checkserveridentity defaults to true); with com.sun.mail JavaMail 1.x/Jakarta Mail 2.0 the host name is not checked (see java-17). DH floor and SHA-1 rule as in java-17.",
        "sources": [
            TESTSSL + " entry 'Java 21.0.6 (OpenJDK)' (upstream testssl/testssl.sh, see sources/testssl-upstream-entries.txt)",
            "JDK 21 java.security: jdk.tls.disabledAlgorithms (DH keySize < 1024), jdk.certpath.disabledAlgorithms (SHA1 jdkCA & usage TLSServer, RSA keySize < 1024)",
            "eclipse-ee4j/angus-mail issue #12 and PR #14 'Check server identity by default' (2022); issue #86 confirms the changed default",
        ],
    },
    # ------------------------------------------------------------------ OpenSSL-based clients
    {
        "id": "openssl-1.0.1",
        "name": "OpenSSL 1.0.1 client library (e.g. CentOS 6, Ubuntu 14.04 era software)",
        "role": "client",
        "offer": "testssl:OpenSSL 1.0.1l",
        "versions": ["TLSv1.0", "TLSv1.1", "TLSv1.2"],
        "sends_sni": True,
        "verifies_chain": True,
        "verifies_name": True,
        "name_checked": "host",
        "accepts_self_signed": False,
        "fetches_missing_intermediates": False,
        "min_rsa_bits": 0,
        "min_dh_bits": 768,
        "rejects_sha1_certificates": False,
        "falls_back_to_plaintext": False,
        "fix_client": "upgrade OpenSSL (>= 1.1.1) on the client; 1.0.1 has no TLS 1.3, no ChaCha20 and no x25519",
        "notes": "DEFAULT cipher list of 1.0.1 (testssl's 1.0.1l capture, SSLv3 dropped here because servers refuse it anyway). s_client sends no SNI unless -servername is given; applications using the library normally set it, hence sends_sni true. Host-name checking is the application's job in 1.0.x (no X509_check_host before 1.0.2): verifies_name assumes a careful caller. 1.0.1n+ rejects DH groups under 768 bits (Logjam fix); older 1.0.1 accepts 512.",
        "sources": [
            TESTSSL + " entry 'OpenSSL 1.0.1l'",
            "OpenSSL Security Advisory 2015-06-11 (Logjam): clients reject DH < 768 bits from 1.0.2b / 1.0.1n",
        ],
    },
    {
        "id": "openssl-1.0.2",
        "name": "OpenSSL 1.0.2 client library (e.g. CentOS/RHEL 7, Debian 9)",
        "role": "client",
        "offer": "testssl:OpenSSL 1.0.2e",
        "versions": ["TLSv1.0", "TLSv1.1", "TLSv1.2"],
        "sends_sni": True,
        "verifies_chain": True,
        "verifies_name": True,
        "name_checked": "host",
        "accepts_self_signed": False,
        "fetches_missing_intermediates": False,
        "min_rsa_bits": 0,
        "min_dh_bits": 768,
        "rejects_sha1_certificates": False,
        "falls_back_to_plaintext": False,
        "fix_client": "upgrade OpenSSL (>= 1.1.1) on the client; 1.0.2 has no TLS 1.3, no ChaCha20 and no x25519",
        "notes": "DEFAULT cipher list of 1.0.2 (testssl's 1.0.2e capture, SSLv3 dropped). No x25519: a server that accepts only x25519 fails. s_client sends no SNI without -servername; library callers normally set it. 1.0.2b+ rejects DH groups under 768 bits. Host-name checking needs X509_VERIFY_PARAM_set1_host (1.0.2+), which careful callers use.",
        "sources": [
            TESTSSL + " entry 'OpenSSL 1.0.2e'",
            "OpenSSL Security Advisory 2015-06-11 (Logjam): clients reject DH < 768 bits from 1.0.2b",
        ],
    },
    {
        "id": "openssl-1.1.1",
        "name": "OpenSSL 1.1.1 client library with Debian 10/11 openssl.cnf (MinProtocol TLSv1.2, SECLEVEL=2)",
        "role": "client",
        "offer": "testssl:OpenSSL 1.1.1d (Debian)",
        "sends_sni": True,
        "verifies_chain": True,
        "verifies_name": True,
        "name_checked": "host",
        "accepts_self_signed": False,
        "fetches_missing_intermediates": False,
        "min_rsa_bits": 2048,
        "min_dh_bits": 2048,
        "rejects_sha1_certificates": True,
        "falls_back_to_plaintext": False,
        "fix_client": None,
        "notes": "Debian's openssl.cnf (buster, bullseye) sets MinProtocol = TLSv1.2 and CipherString = DEFAULT@SECLEVEL=2, visible in the capture (supported_versions 1.3, 1.2); at level 2 RSA/DH keys under 2048 bits and SHA-1-signed certificates (other than the root) fail ('ca md too weak'). Upstream 1.1.1 without that file offers TLS 1.0-1.3 at level 1 (RSA/DH >= 1024, SHA-1 accepted), as python-3.8 models. s_client sends SNI by default from 1.1.1.",
        "sources": [
            TESTSSL + " entry 'OpenSSL 1.1.1d (Debian)'",
            "Debian openssl 1.1.1 package: /etc/ssl/openssl.cnf [system_default_sect] MinProtocol = TLSv1.2, CipherString = DEFAULT@SECLEVEL=2 (Debian 10 release notes, 'openssl defaults')",
        ],
    },
    {
        "id": "openssl-3",
        "name": "OpenSSL 3.0 client library on Debian 12 (security level 2)",
        "role": "client",
        "offer": "capture:openssl-3.0.19-s_client",
        "versions": ["TLSv1.2", "TLSv1.3"],
        "sends_sni": True,
        "verifies_chain": True,
        "verifies_name": True,
        "name_checked": "host",
        "accepts_self_signed": False,
        "fetches_missing_intermediates": False,
        "min_rsa_bits": 2048,
        "min_dh_bits": 2048,
        "rejects_sha1_certificates": True,
        "falls_back_to_plaintext": False,
        "fix_client": None,
        "notes": "Debian 12 builds OpenSSL 3.0 with security level 2 and ships no MinProtocol: the ClientHello still lists TLS 1.0 and 1.1, but such a handshake with (EC)DHE fails ('legacy sigalg disallowed': no SHA-1/MD5 signatures from level 1), tested here; only RSA-key-exchange suites complete at TLS 1.0/1.1, hence TLS 1.2-1.3 in this profile. Level 2: RSA/DH under 2048 bits and SHA-1-signed certificates fail. Verification assumes the caller enables it (s_client only reports).",
        "sources": [
            "ClientHello of OpenSSL 3.0.19 (Debian 12) s_client recorded by capture_clienthello.py (sources/captured-clienthellos.txt)",
            TESTSSL + " entry 'OpenSSL 3.0.15 (Debian)' (same ClientHello; upstream testssl/testssl.sh, see sources/testssl-upstream-entries.txt)",
            "OpenSSL 3.0 SSL_CTX_set_security_level(3); local test: s_server -tls1 vs default s_client fails with 'legacy sigalg disallowed or unsupported', succeeds with AES256-SHA",
        ],
    },
    {
        "id": "go",
        "name": "Go crypto/tls client (net/smtp, Go 1.24+ defaults)",
        "role": "client",
        "offer": "testssl:go 1.17.8",
        "versions": ["TLSv1.2", "TLSv1.3"],
        "drop_suites": ["0x009C", "0x009D", "0x002F", "0x0035", "0xC012", "0x000A"],
        "prepend_groups": ["X25519MLKEM768"],
        "sends_sni": True,
        "verifies_chain": True,
        "verifies_name": True,
        "name_checked": "host",
        "accepts_self_signed": False,
        "fetches_missing_intermediates": False,
        "min_rsa_bits": 1024,
        "min_dh_bits": 0,
        "rejects_sha1_certificates": True,
        "falls_back_to_plaintext": False,
        "fix_client": None,
        "notes": "No DHE at all (finite-field DH is not implemented), so a server with only DHE/RSA suites fails. Default minimum TLS 1.2 for clients since Go 1.18; RSA key exchange suites left the default list in Go 1.22 (GODEBUG tlsrsakex=1) and 3DES in Go 1.23 (tls3des=1), both removed from the 1.17.8 capture here; Go 1.24 puts X25519MLKEM768 in front of x25519 (added here; 1.23 had X25519Kyber768Draft00). SHA-1-signed certificates rejected since Go 1.18, RSA keys under 1024 bits since Go 1.24 (GODEBUG rsa1024min=0 restores). net/smtp verifies chain and host name by default.",
        "sources": [
            TESTSSL + " entry 'go 1.17.8'",
            "Go release notes: 1.18 (crypto/tls client minimum TLS 1.2, crypto/x509 rejects SHA-1 signatures), 1.22 (RSA key exchange suites removed from defaults), 1.23 (3DES removed from defaults, X25519Kyber768Draft00), 1.24 (X25519MLKEM768 default, crypto/rsa rejects keys under 1024 bits)",
        ],
    },
    {
        "id": "dotnet-windows",
        "name": ".NET SslStream on Windows 11 / Server 2022 (SChannel), e.g. MailKit or System.Net.Mail",
        "role": "client",
        "offer": None,
        "versions": ["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
        "suites": SCHANNEL_TLS12,
        "suites_tls13": SCHANNEL_TLS13,
        "groups": SCHANNEL_GROUPS,
        "sends_sni": True,
        "verifies_chain": True,
        "verifies_name": True,
        "name_checked": "host",
        "accepts_self_signed": False,
        "fetches_missing_intermediates": True,
        "min_rsa_bits": 1024,
        "min_dh_bits": 1024,
        "rejects_sha1_certificates": False,
        "falls_back_to_plaintext": False,
        "fix_client": None,
        "notes": "SChannel's default order on Windows 11 21H2 / Server 2022 with SCH_USE_STRONG_CRYPTO (which .NET always sets, filtering 3DES and NULL); Windows 11 22H2+ also drops the DHE suites. Groups: curve25519, NistP256, NistP384 (no P-521 by default: a server with only secp521r1 fails). Windows CryptoAPI fetches missing intermediates from the AIA caIssuers URL, so an incomplete chain often works here and fails elsewhere. RSA keys under 1024 bits are blocked (KB2661254); SHA-1 server certificates are only blocked by the browsers, not CryptoAPI in general. With SslProtocols.None (the .NET default) SChannel's enabled protocols apply: TLS 1.0 and 1.1 are still enabled on released Windows 10/11 and Server 2022 (Microsoft disabled them only in Insider builds from September 2023 and said in-market versions keep them), so they are listed; the 1.0/1.1 handshakes can only use the *_CBC_SHA suites.",
        "sources": [
            "MicrosoftDocs/win32 desktop-src/SecAuthN/tls-cipher-suites-in-windows-11.md and tls-cipher-suites-in-windows-server-2022.md (default order, SCH_USE_STRONG_CRYPTO column)",
            "MicrosoftDocs/win32 desktop-src/SecAuthN/tls-elliptic-curves-in-windows-10-1607-and-later.md",
            "dotnet/runtime src/libraries/System.Net.Security/src/System/Net/Security/SslStreamPal.Windows.cs (SCH_USE_STRONG_CRYPTO for RequireEncryption; manual validation via X509Chain)",
            "Microsoft KB2661254 (RSA keys under 1024 bits blocked)",
            "Microsoft Windows IT Pro Blog 'TLS 1.0 and TLS 1.1 soon to be disabled in Windows' (2023-08-01): Insider builds from September 2023, 'will not impact any in-market OS versions'",
        ],
    },
    # ------------------------------------------------------------------ mail user agents
    {
        "id": "thunderbird",
        "name": "Thunderbird (91 and later, NSS)",
        "role": "client",
        "offer": "testssl:Thunderbird (91.9)",
        "sends_sni": True,
        "verifies_chain": True,
        "verifies_name": True,
        "name_checked": "host",
        "accepts_self_signed": False,
        "fetches_missing_intermediates": False,
        "min_rsa_bits": 1024,
        "min_dh_bits": 1024,
        "rejects_sha1_certificates": True,
        "falls_back_to_plaintext": False,
        "fix_client": None,
        "notes": "NSS does not fetch AIA caIssuers, but Mozilla preloads all intermediates disclosed to the CCADB (intermediate preloading, Firefox/Thunderbird 75+), so a missing public intermediate usually still verifies; a private-CA intermediate does not. A self-signed or mismatching certificate raises a 'Confirm Security Exception' dialog the user may accept (accepts_self_signed false: not without the user). NSS rejects DH groups under 1024 bits and SHA-1 certificates from public roots.",
        "sources": [
            TESTSSL + " entry 'Thunderbird (91.9)'",
            "Mozilla Security Blog 'Preloading Intermediate CA Certificates into Firefox' (2020)",
        ],
    },
    {
        "id": "apple-mail",
        "name": "Apple Mail (macOS Mail 16, Secure Transport)",
        "role": "client",
        "offer": "testssl:Apple Mail (16.0)",
        "sends_sni": True,
        "verifies_chain": True,
        "verifies_name": True,
        "name_checked": "host",
        "accepts_self_signed": False,
        "fetches_missing_intermediates": True,
        "min_rsa_bits": 2048,
        "min_dh_bits": 0,
        "rejects_sha1_certificates": True,
        "falls_back_to_plaintext": False,
        "fix_client": None,
        "notes": "Offers only ECDHE and RSA key exchange (no DHE) and only P-256/P-384/P-521 (no x25519): a server with x25519-only ECDHE falls back to RSA key exchange or fails. Apple's trust evaluation fetches missing intermediates (AIA) and, since macOS 10.15/iOS 13, requires RSA keys of 2048 bits or more and SHA-2 signatures for TLS server certificates. An untrusted certificate shows a dialog the user may accept.",
        "sources": [
            TESTSSL + " entry 'Apple Mail (16.0)'",
            "Apple support HT210176 'Requirements for trusted certificates in iOS 13 and macOS 10.15' (RSA >= 2048, SHA-2)",
        ],
    },
]

ORDER = ["id", "name", "role", "versions", "suites", "suites_tls13", "groups", "sends_sni",
         "verifies_chain", "verifies_name", "name_checked", "accepts_self_signed",
         "fetches_missing_intermediates", "min_rsa_bits", "min_dh_bits",
         "rejects_sha1_certificates", "falls_back_to_plaintext", "fix_client", "notes", "sources"]


def build(spec, entries, captures):
    out = {}
    if spec["offer"]:
        d = decode(spec["offer"], entries, captures)
        versions = spec.get("versions", d["versions"])
        versions = [v for v in versions if v != "SSLv3"]
        suites = [s for s in d["suites"] if s not in spec.get("drop_suites", [])]
        groups = spec.get("prepend_groups", []) + [g for g in d["groups"] if g not in spec.get("drop_groups", [])]
        tls13 = d["suites_tls13"] if "TLSv1.3" in versions else []
        if "TLSv1.3" in versions and not tls13:
            raise ValueError("%s: TLS 1.3 without TLS 1.3 suites" % spec["id"])
    else:
        versions, suites, tls13, groups = spec["versions"], spec["suites"], spec["suites_tls13"], spec["groups"]
    base = dict(spec, versions=versions, suites=suites, suites_tls13=tls13, groups=groups)
    for k in ORDER:
        if k == "fix_client" and base.get(k) is None:
            continue
        out[k] = base[k]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--testssl", help="path of testssl's client-simulation.txt")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--dump", metavar="SOURCE", help='print one decoded ClientHello: "Java 8u161" or "capture:NAME"')
    a = ap.parse_args()
    entries, captures = load_sources(a.testssl)
    if a.dump:
        src = a.dump if a.dump.startswith(("testssl:", "capture:")) else "testssl:" + a.dump
        print(json.dumps(decode(src, entries, captures), indent=2))
        return
    stale = []
    for spec in PROFILES:
        text = json.dumps(build(spec, entries, captures), indent=2, ensure_ascii=False) + "\n"
        path = os.path.join(HERE, spec["id"] + ".json")
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if a.check:
            if old != text:
                stale.append(path)
        elif old != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            print("wrote", os.path.relpath(path))
    if stale:
        print("out of date:", *stale, sep="\n  ")
        sys.exit(1)


if __name__ == "__main__":
    main()
