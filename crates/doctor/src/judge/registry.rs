use crate::model::finding::FindingDef;
use crate::model::finding::Fix;
use crate::model::finding::Severity;

// The words of every finding: what is wrong, who breaks and how, and what to change.
//
// Rules elsewhere only pick a code from here and attach the evidence they saw. Texts are
// plain English for a mail administrator; fixes quote configuration lines and commands
// exactly. Where a fact depends on a version, the version is named. Each entry is preceded
// by a comment naming the documents its facts come from.

/// Every finding the tool can report, in the order the report lists them.
pub static REGISTRY: &[FindingDef] = &[
    // RFC 3207 section 4 (STARTTLS; a public MX must not require it); Postfix TLS_README and
    // postconf(5); Exim specification, chapter "Encrypted SMTP connections using TLS/SSL";
    // Cisco ASA CLI configuration guide, "Defaults for ESMTP Inspection" (STARTTLS removed).
    FindingDef {
        code: "starttls-not-offered",
        severity: Severity::Error,
        title: "The server does not offer STARTTLS",
        why: "The server's reply to EHLO does not list STARTTLS, so a client has no way to \
              switch this connection to TLS. If the server refused EHLO and only HELO worked, \
              no SMTP extension can be used at all, STARTTLS included. Most often TLS is not \
              configured or is switched off for this listener, but a firewall or antivirus \
              doing \"SMTP inspection\" can also delete the STARTTLS line on the way (Cisco \
              ASA's default ESMTP inspection does exactly that), and so can a network that \
              intercepts port 25 where you ran the test.",
        breaks: "Opportunistic senders deliver in plaintext, and senders that require TLS do \
                 not deliver at all: MTA-STS in enforce mode, DANE (the TLSA record promises \
                 TLS), and Gmail / Google Workspace rules that require secure transport. \
                 Python's smtplib raises \"smtplib.SMTPNotSupportedError: STARTTLS extension \
                 not supported by server.\" JavaMail with mail.smtp.starttls.required=true \
                 fails with \"STARTTLS is required but host does not support STARTTLS\". Mail \
                 clients set to use STARTTLS refuse to connect.",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "Turn on opportunistic TLS in main.cf (smtpd_tls_chain_files needs \
                       Postfix 3.4+):\n\
                       smtpd_tls_security_level = may\n\
                       smtpd_tls_chain_files = /etc/letsencrypt/live/mail.example.com/privkey.pem, /etc/letsencrypt/live/mail.example.com/fullchain.pem\n\
                       Then look for per-service overrides in master.cf such as \
                       \"-o smtpd_tls_security_level=none\" (`postconf -P | grep tls` lists \
                       them), check with `postconf -M` that the port you tested is served by \
                       the smtpd you configured, and run `postfix reload`. Do not use \
                       \"encrypt\" on port 25: a public MX must not require TLS (RFC 3207).",
            },
            Fix {
                software: "Exim",
                text: "In the main section:\n\
                       tls_advertise_hosts = *\n\
                       tls_certificate = /etc/letsencrypt/live/mail.example.com/fullchain.pem\n\
                       tls_privatekey = /etc/letsencrypt/live/mail.example.com/privkey.pem\n\
                       (an empty tls_advertise_hosts turns STARTTLS off). With Debian's \
                       exim4 packaging, set MAIN_TLS_ENABLE = yes in \
                       /etc/exim4/exim4.conf.localmacros (split configuration: \
                       /etc/exim4/conf.d/main/000_localmacros), run `update-exim4.conf` and \
                       restart exim4. `exim -bV` shows whether this Exim was built with TLS \
                       (OpenSSL or GnuTLS).",
            },
            Fix {
                software: "Any server",
                text: "If the server is set up for TLS but STARTTLS is missing when seen from \
                       outside, something in between removes it. Compare the EHLO reply on \
                       the server itself (`telnet 127.0.0.1 25`, then type `EHLO test`) with \
                       the one seen from outside. Cisco ASA: switch off ESMTP inspection \
                       (or use an inspection policy map with `allow-tls`):\n\
                       policy-map global_policy\n class inspection_default\n  no inspect esmtp\n\
                       Firewalls and antivirus \"mail shields\" from other vendors have \
                       similar switches.",
            },
            Fix {
                software: "Client",
                text: "If EHLO itself was refused, see the smtp-rejected finding: fix the \
                       EHLO rejection first (e.g. re-run with `--ehlo` and a fully qualified \
                       name), since STARTTLS can only be offered in a reply to EHLO.",
            },
        ],
    },
    // RFC 3207 section 4 (454 reply); Postfix TLS_README (key and certificate files);
    // Exim specification (tls_certificate, tls_privatekey, log files).
    FindingDef {
        code: "starttls-refused",
        severity: Severity::Error,
        title: "STARTTLS is advertised but the server refuses to start TLS",
        why: "The server lists STARTTLS, but answers the STARTTLS command with something \
              other than 220. The usual answer is \"454 4.7.0 TLS not available due to local \
              problem\" from Postfix: it advertises TLS but cannot load its own key or \
              certificate, because a file is missing, unreadable, not PEM, protected by a \
              passphrase, or the key does not belong to the certificate. The server's mail \
              log names the exact problem.",
        breaks: "Opportunistic senders usually deliver in plaintext instead, while senders \
                 that require TLS (MTA-STS enforce, DANE) defer the mail and bounce it when it \
                 gets too old. Mail clients show the server's text, e.g. \"STARTTLS command \
                 failed: TLS not available due to local problem\". Python's smtplib.starttls() \
                 raises smtplib.SMTPResponseException with code 454, and JavaMail throws a \
                 MessagingException carrying the 454 reply.",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "Find the cause in the log: \
                       `grep -E 'TLS library problem|cannot get|cannot load' /var/log/mail.log` \
                       (or `journalctl -u postfix`). Typical lines: \"warning: cannot get RSA \
                       private key from file ...\" or \"warning: TLS library problem: ...\". \
                       Run `postfix check`, and \
                       `postconf smtpd_tls_chain_files smtpd_tls_cert_file smtpd_tls_key_file` \
                       to see which files are used. The smtpd process reads them as root \
                       before entering its chroot jail, so they need not be copied into \
                       /var/spool/postfix, but they must exist, be PEM, and the key must not \
                       be passphrase-protected. Then `postfix reload`.",
            },
            Fix {
                software: "Any server",
                text: "Check that the key belongs to the certificate; the two hashes must be \
                       equal:\n\
                       openssl x509 -noout -pubkey -in cert.pem | openssl sha256\n\
                       openssl pkey -pubout -in key.pem | openssl sha256\n\
                       A mismatch usually means a renewed certificate was installed next to \
                       the old key, or the other way round.",
            },
            Fix {
                software: "Exim",
                text: "Look for \"TLS error on connection\" in the main log and in the panic \
                       log (Debian: /var/log/exim4/mainlog and /var/log/exim4/paniclog). \
                       Check that tls_certificate and tls_privatekey expand to existing files \
                       (`exim -bP tls_certificate tls_privatekey` prints the settings), and \
                       that the Exim user (Debian: Debian-exim) can read the key: Exim may \
                       read it after giving up root, and certbot's /etc/letsencrypt/live and \
                       /etc/letsencrypt/archive directories are readable by root only (copy \
                       the files in a deploy hook, or grant the Exim group read access).",
            },
        ],
    },
    // RFC 5321 sections 3.8 and 4.2.5 (421: service not available, closing the channel; the
    // client retries later); Postfix anvil (smtpd_client_connection_count_limit), Exim
    // smtp_accept_max_per_host.
    FindingDef {
        code: "rate-limited",
        severity: Severity::Note,
        title: "The server limits connections per client, and serves the retries",
        why: "Some of the check's connections were greeted with 421 (or closed before the greeting) and the same connection tried again a moment later was served. Mail servers limit how many connections one client may open at once or per minute (Postfix's anvil, Exim's smtp_accept_max_per_host, postscreen), and a scan opens several. This is a policy, not a fault: nothing needs fixing unless legitimate senders hit the limit.",
        breaks: "Nothing for ordinary senders, which open one connection and retry after a 421. Bulk senders and monitoring that connect often may be deferred; a check that does not retry would wrongly report the server as refusing mail.",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "Only if real senders are refused: raise smtpd_client_connection_count_limit / smtpd_client_connection_rate_limit in main.cf, or exempt trusted networks with smtpd_client_event_limit_exceptions (default $mynetworks); `postfix reload`.",
            },
            Fix {
                software: "Exim",
                text: "Only if real senders are refused: raise smtp_accept_max_per_host (and smtp_accept_max) in the main configuration, or exempt hosts with a condition on it; reload Exim.",
            },
        ],
    },
    // RFC 5321 section 3.1 and 4.2 (reply codes); Postfix postconf(5) (anvil limits,
    // smtpd_delay_reject, HELO restrictions) and POSTSCREEN_README; Exim specification
    // (smtp_accept_max_per_host, ACLs).
    FindingDef {
        code: "smtp-rejected",
        severity: Severity::Error,
        title: "The server rejects the connection or the EHLO before TLS starts",
        why: "The server answered the banner or EHLO with a 4xx (try later) or 5xx (refused) \
              reply, so the test never got as far as STARTTLS. A 421 at the banner usually \
              means a connection or rate limit for the client's IP address, or an overloaded \
              server; a 554 at the banner means the server refuses this client, typically \
              because of a DNS blocklist, postscreen or a client access rule. A 5xx reply to \
              EHLO means the EHLO name was rejected, for example because it is not a fully \
              qualified domain name or does not resolve. The result depends on where you test \
              from: home and cloud IP addresses are often refused on port 25 where a real mail \
              server would be accepted.",
        breaks: "A sender that gets 421 or another 4xx reply queues the mail and retries \
                 later; a 5xx at the banner makes senders try the next MX or bounce. Postfix \
                 limits look like \"421 4.7.0 ... Error: too many connections from ...\", \
                 Exim's like \"421 Too many concurrent SMTP connections from this IP address; \
                 please try again later.\" Python's smtplib raises smtplib.SMTPConnectError \
                 when the banner is not 220, and smtplib.SMTPHeloError when both EHLO and HELO \
                 are refused.",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "Find the reason in the log (`grep 192.0.2.1 /var/log/mail.log`, with \
                       the client's IP). Connection limits are enforced by anvil: \
                       smtpd_client_connection_count_limit (default 50) and \
                       smtpd_client_connection_rate_limit (default 0, no limit); clients in \
                       smtpd_client_event_limit_exceptions ($mynetworks by default) are \
                       exempt. With postscreen in front, allow a client explicitly:\n\
                       postscreen_access_list = permit_mynetworks, cidr:/etc/postfix/postscreen_access.cidr\n\
                       # /etc/postfix/postscreen_access.cidr\n\
                       192.0.2.1/32 permit\n\
                       A refusal right at connect comes from postscreen (access list, \
                       postscreen_dnsbl_sites) or from smtpd_client_restrictions when \
                       smtpd_delay_reject = no.",
            },
            Fix {
                software: "Postfix",
                text: "EHLO name checks are reject_invalid_helo_hostname, \
                       reject_non_fqdn_helo_hostname and reject_unknown_helo_hostname in \
                       smtpd_helo_restrictions. With the default smtpd_delay_reject = yes \
                       they only take effect at RCPT TO, so a rejection right at EHLO means \
                       smtpd_delay_reject = no or another product in front of Postfix. Keep \
                       such checks off the submission ports (587/465), where clients send \
                       names like a laptop's host name.",
            },
            Fix {
                software: "Exim",
                text: "Connection limits are smtp_accept_max_per_host and smtp_accept_max in \
                       the main section. Refusals at connect come from the acl_smtp_connect \
                       ACL (or host_reject_connection), refusals of EHLO from the \
                       acl_smtp_helo ACL. `exigrep 192.0.2.1 /var/log/exim4/mainlog` and \
                       /var/log/exim4/rejectlog (Debian paths) show which rule matched.",
            },
            Fix {
                software: "Client",
                text: "Test from an IP address that really sends mail (a mail server, not a \
                       home line or a fresh cloud VM), or wait and retry after a 421. If EHLO \
                       was rejected, give a fully qualified name that resolves, e.g. \
                       `--ehlo mail.example.net`. Blocklists work by IP address: look the \
                       address up on the list's own site and request removal there.",
            },
        ],
    },
    // RFC 8446 section 4.4.3 (CertificateVerify); RFC 5246 section 7.4.3 and RFC 8422
    // section 5.4 (ServerKeyExchange signature); Postfix postconf(5) (smtpd_tls_chain_files:
    // each key before its certificates); Exim specification (tls_certificate, tls_privatekey);
    // OpenSSL SSL_CTX_use_PrivateKey(3) (the key is checked against the certificate); Go
    // crypto/tls and OpenSSL error strings.
    FindingDef {
        code: "handshake-signature-invalid",
        severity: Severity::Error,
        title: "The server does not hold the private key of its certificate",
        why: "In every TLS handshake the server proves that it owns its certificate by signing \
              the handshake with the certificate's private key: the CertificateVerify message in \
              TLS 1.3, the ServerKeyExchange in TLS 1.2 with ECDHE or DHE. This server sends a \
              certificate chain (which may well be valid) but its signature does not verify \
              with the public key in that certificate: it signs with another key. The key and \
              the certificate do not belong together, typically after a renewal that replaced \
              one file and not the other, or with a list of keys and certificates in the wrong \
              order. OpenSSL and GnuTLS servers usually refuse to load a key that does not \
              match its certificate, so look also at whatever terminates TLS in front of the \
              mail server (a proxy or load balancer), a key kept in an HSM or PKCS#11 token \
              under the wrong label, or a middlebox that passes the real certificate on but \
              signs with its own key. The certificate checks cannot see this: only the \
              handshake shows it.",
        breaks: "Every client aborts the handshake, whether it verifies certificates or not: \
                 the signature check is part of TLS itself. OpenSSL, and so Postfix, Exim \
                 with OpenSSL and Python, fail with \"bad signature\" (Python: \"[SSL: \
                 BAD_SIGNATURE] bad signature\"; Postfix logs \"TLS library problem: \
                 ...:bad signature\") and send the alert decrypt_error. Java throws \
                 javax.net.ssl.SSLHandshakeException about an invalid ServerKeyExchange or \
                 CertificateVerify signature, Go reports \"tls: invalid signature by the \
                 server certificate\", rustls \"invalid peer certificate: BadSignature\". \
                 Opportunistic senders may fall back to plaintext; senders that require TLS \
                 (MTA-STS, DANE) defer the mail, and no TLSA match or MTA-STS policy helps.",
        fixes: &[
            Fix {
                software: "Any server",
                text: "Check that the key belongs to the certificate; the two hashes must be \
                       equal:\n\
                       openssl x509 -noout -pubkey -in cert.pem | openssl sha256\n\
                       openssl pkey -pubout -in key.pem | openssl sha256\n\
                       If they differ, install the key that was generated with the \
                       certificate's request (certbot: privkey.pem next to fullchain.pem in \
                       the same live/ directory), or get a new certificate for the key in \
                       use. If they are equal, something in front of the server answers the \
                       handshake: check the certificate and key of the proxy or load \
                       balancer.",
            },
            Fix {
                software: "Postfix",
                text: "In smtpd_tls_chain_files each private key comes first, followed by \
                       its own certificate and the intermediates; a second key type repeats \
                       the pattern:\n\
                       smtpd_tls_chain_files = /etc/postfix/rsa-key.pem, /etc/postfix/rsa-fullchain.pem, /etc/postfix/ecdsa-key.pem, /etc/postfix/ecdsa-fullchain.pem\n\
                       With the older parameters, smtpd_tls_key_file must be the key of \
                       smtpd_tls_cert_file (and smtpd_tls_eckey_file that of \
                       smtpd_tls_eccert_file). `postconf -n | grep tls_` shows which files \
                       are in use; compare each key with its certificate as above, then \
                       `postfix reload`.",
            },
            Fix {
                software: "Exim",
                text: "tls_certificate and tls_privatekey must name a certificate and its own \
                       key:\n\
                       tls_certificate = /etc/letsencrypt/live/mail.example.com/fullchain.pem\n\
                       tls_privatekey = /etc/letsencrypt/live/mail.example.com/privkey.pem\n\
                       With several certificates (an RSA and an ECDSA one), both options are \
                       lists in the same order. Compare each key with its certificate as \
                       above, then restart Exim.",
            },
        ],
    },
    // RFC 8446 section 6 (alert codes); RFC 8314 (implicit TLS on 465); Postfix TLS_README
    // and postconf(5); Exim specification (tls_require_ciphers, openssl_options); OpenSSL 3.0
    // migration guide (TLS 1.0/1.1 need security level 0).
    FindingDef {
        code: "tls-handshake-failed",
        severity: Severity::Error,
        title: "The TLS handshake fails",
        why: "After STARTTLS (or right after connecting, on port 465) the TLS handshake did not \
              complete. If the server sent an alert, its code says why: handshake_failure (40) \
              means no cipher suite, key exchange group or signature algorithm in common; \
              protocol_version (70) means no TLS version that both sides accept; \
              internal_error (80) means the server failed on its own side, which with OpenSSL 3 \
              servers can be a security-level rule refusing an old protocol or a weak key \
              (the server's log says which); unrecognized_name (112) means the server does not \
              know the name sent in SNI; certificate_required (116, TLS 1.3) means it demands a \
              client certificate. If the connection just closed, suspect a crash on the \
              server, a middlebox, or mixed-up ports (465 is TLS from the first byte, 25 and \
              587 use STARTTLS); if the reply was not TLS at all, the port speaks plain text or \
              something else, such as a proxy, is answering.",
        breaks: "Every client that cannot agree with the server fails the same way; an \
                 opportunistic MTA may retry in plaintext, one that requires TLS defers the \
                 mail. Python shows e.g. \"[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert \
                 handshake failure\", \"[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert \
                 protocol version\", or \"[SSL: WRONG_VERSION_NUMBER] wrong version number\" \
                 (typically smtplib.SMTP_SSL pointed at port 587). Java shows \
                 \"javax.net.ssl.SSLHandshakeException: Received fatal alert: \
                 handshake_failure\" or \"No appropriate protocol (protocol is disabled or \
                 cipher suites are inappropriate)\". openssl s_client prints the alert, e.g. \
                 \"tlsv1 alert protocol version\".",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "See what the server allows: `postconf smtpd_tls_protocols \
                       smtpd_tls_mandatory_protocols smtpd_tls_ciphers \
                       smtpd_tls_mandatory_ciphers smtpd_tls_exclude_ciphers \
                       smtpd_tls_security_level`. A setting every current client can meet:\n\
                       smtpd_tls_protocols = >=TLSv1.2\n\
                       smtpd_tls_ciphers = medium\n\
                       (the \">=\" form needs Postfix 3.6+; older releases: \
                       `!SSLv2, !SSLv3, !TLSv1, !TLSv1.1`). The \"mandatory\" variants apply \
                       only where TLS is required (smtpd_tls_security_level = encrypt, e.g. on \
                       submission). Leave tls_high_cipherlist and tls_medium_cipherlist at \
                       their defaults rather than hand-made lists, and do not set \
                       smtpd_tls_req_ccert = yes on a port that ordinary clients use.",
            },
            Fix {
                software: "Exim",
                text: "`exim -bV` tells whether Exim uses OpenSSL or GnuTLS. With OpenSSL, \
                       tls_require_ciphers is an OpenSSL cipher string and old protocols are \
                       switched off with openssl_options, e.g.\n\
                       tls_require_ciphers = DEFAULT\n\
                       openssl_options = +no_sslv3 +no_tlsv1 +no_tlsv1_1\n\
                       With GnuTLS, tls_require_ciphers is a priority string, e.g. \
                       NORMAL:-VERS-TLS1.0:-VERS-TLS1.1. Remove hand-made cipher lists that \
                       leave nothing in common with current clients, and list hosts in \
                       tls_verify_hosts only if they really present client certificates.",
            },
            Fix {
                software: "Python ssl",
                text: "Use the right mode for the port and a modern context:\n\
                       import smtplib, ssl\n\
                       ctx = ssl.create_default_context()\n\
                       ctx.minimum_version = ssl.TLSVersion.TLSv1_2\n\
                       # ports 25 and 587: plain connection, then STARTTLS\n\
                       s = smtplib.SMTP(\"mail.example.com\", 587)\n\
                       s.starttls(context=ctx)\n\
                       # port 465: TLS from the first byte\n\
                       s = smtplib.SMTP_SSL(\"mail.example.com\", 465, context=ctx)\n\
                       Only if an old server cannot be fixed, widen the client with \
                       ctx.set_ciphers(\"DEFAULT:@SECLEVEL=1\").",
            },
            Fix {
                software: "Client",
                text: "Java: offer current protocols with \
                       -Djdk.tls.client.protocols=TLSv1.2,TLSv1.3 (JavaMail: \
                       mail.smtp.ssl.protocols=TLSv1.2 TLSv1.3). Current JDKs disable TLS 1.0 \
                       and 1.1 through jdk.tls.disabledAlgorithms in \
                       $JAVA_HOME/conf/security/java.security (Java 8: \
                       $JAVA_HOME/jre/lib/security/java.security); if the server speaks \
                       nothing newer, upgrade the server rather than editing that list.",
            },
            Fix {
                software: "OpenSSL client",
                text: "Reproduce and narrow it down:\n\
                       openssl s_client -connect mail.example.com:25 -starttls smtp -servername mail.example.com\n\
                       openssl s_client -connect mail.example.com:465 -servername mail.example.com\n\
                       Add -tls1_2 or -tls1_3 to try one version. Adding \
                       -cipher 'DEFAULT:@SECLEVEL=1' (with OpenSSL 3, @SECLEVEL=0 for TLS 1.0 \
                       and 1.1) shows whether the local security level is what blocks the \
                       handshake; use it for diagnosis only, not as a fix.",
            },
        ],
    },
    // RFC 8996 (TLS 1.0 and 1.1 deprecated); Python 3.10 "What's New" (ssl: TLS 1.2 minimum);
    // JDK 8u291 and 11.0.11 release notes (TLS 1.0 and 1.1 disabled); Go 1.18 release notes
    // (clients default to TLS 1.2); OpenSSL 1.0.1 changes (TLS 1.1 and 1.2 added); OpenSSL 3.0
    // migration guide (SHA-1 and MD5 signatures refused at security level 1); Postfix
    // postconf(5); Exim source (openssl_options) and specification; GnuTLS priority strings.
    FindingDef {
        code: "no-tls12",
        severity: Severity::Error,
        title: "The server cannot negotiate TLS 1.2 or TLS 1.3",
        why: "The best protocol version the server accepts is TLS 1.1, TLS 1.0 or even SSLv3; \
              a handshake that offers only TLS 1.2 (2008) or TLS 1.3 (2018) fails. Usually the \
              server's TLS library is too old (OpenSSL gained TLS 1.2 in 1.0.1, released in \
              2012), its protocol settings leave TLS 1.2 out, or it is an old appliance or \
              Windows server on which TLS 1.2 was never switched on. RFC 8996 (2021) \
              deprecates TLS 1.0 and 1.1, and most up-to-date clients refuse them by default, \
              so they cannot do TLS with this server at all.",
        breaks: "Current clients fail the handshake: an opportunistic MTA may retry in \
                 plaintext, one that requires TLS (MTA-STS in enforce mode, DANE) defers the \
                 mail. Python 3.10 and later require TLS 1.2 by default, smtplib's starttls() \
                 included: \"[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol \
                 version\" or \"[SSL: UNSUPPORTED_PROTOCOL] unsupported protocol\". Java has \
                 disabled TLS 1.0 and 1.1 since 8u291 and 11.0.11: \
                 \"javax.net.ssl.SSLHandshakeException: Received fatal alert: \
                 protocol_version\", or \"No appropriate protocol (protocol is disabled or \
                 cipher suites are inappropriate)\" when the application asks for TLSv1 \
                 itself. Go clients require TLS 1.2 since Go 1.18 (\"remote error: tls: \
                 protocol version not supported\"), and OpenSSL 3 clients refuse the ECDHE and \
                 DHE suites of TLS 1.0 and 1.1 (\"legacy sigalg disallowed or unsupported\").",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "Check that the protocol settings do not leave TLS 1.2 out: \
                       `postconf smtpd_tls_protocols smtpd_tls_mandatory_protocols` must not \
                       contain \"!TLSv1.2\" or an upper bound such as \"<=TLSv1.1\". A setting \
                       that still lets old senders in on port 25 (Postfix 3.6+ syntax):\n\
                       smtpd_tls_protocols = >=TLSv1\n\
                       smtpd_tls_mandatory_protocols = >=TLSv1.2\n\
                       (use >=TLSv1.2 for both to drop the old versions too; see \
                       protocol-tls10. Before Postfix 3.6: `!SSLv2, !SSLv3` and \
                       `!SSLv2, !SSLv3, !TLSv1, !TLSv1.1`.) If the settings are right, the \
                       OpenSSL that Postfix uses is too old: \
                       `ldd $(postconf -h daemon_directory)/smtpd | grep libssl` shows which \
                       one. OpenSSL before 1.0.1 cannot do TLS 1.2; upgrade the system or the \
                       Postfix package, then `postfix reload`.",
            },
            Fix {
                software: "Exim",
                text: "`exim -bV` shows the TLS library Exim runs with (OpenSSL or GnuTLS, \
                       and its version). With OpenSSL, remove +no_tlsv1_2 and +no_tlsv1_3 \
                       from openssl_options, e.g.\n\
                       openssl_options = +no_sslv2 +no_sslv3\n\
                       With GnuTLS, tls_require_ciphers is a priority string: remove \
                       -VERS-TLS1.2 and -VERS-TLS1.3 from it, or use\n\
                       tls_require_ciphers = NORMAL\n\
                       If the library itself predates TLS 1.2 (OpenSSL before 1.0.1), install \
                       a current Exim package built against a current OpenSSL or GnuTLS.",
            },
            Fix {
                software: "Any server",
                text: "Appliances, gateways and mail filters get their TLS versions from the \
                       firmware: update it, switch TLS 1.2 on in its settings, or replace it. \
                       Windows Server 2008 R2 (e.g. under Exchange 2010) supports TLS 1.2 but \
                       leaves it switched off by default; create the DWORD values Enabled = 1 \
                       and DisabledByDefault = 0 under \
                       HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Server \
                       and reboot.",
            },
            Fix {
                software: "Python ssl",
                text: "Stopgap only, to reach a server you cannot fix (Python 3.10+ warns that \
                       TLSv1 is deprecated):\n\
                       ctx = ssl.create_default_context()\n\
                       ctx.minimum_version = ssl.TLSVersion.TLSv1\n\
                       ctx.set_ciphers(\"DEFAULT:@SECLEVEL=0\")\n\
                       This weakens the client; upgrading the server fixes every client.",
            },
        ],
    },
    // RFC 6176 (SSL 2.0 prohibited); DROWN, CVE-2016-0800 (Aviram et al., 2016); OpenSSL 1.1.0
    // release notes (SSLv2 removed); Postfix postconf(5) (smtpd_tls_protocols); Exim source
    // (openssl_options defaults include +no_sslv2 +no_sslv3).
    FindingDef {
        code: "protocol-sslv2",
        severity: Severity::Error,
        title: "The server still accepts SSLv2",
        why: "The server completes a handshake with SSL 2.0, a 1995 protocol so flawed that \
              SSL 3.0 replaced it the following year; RFC 6176 (2011) prohibits it. The damage \
              is not limited to SSLv2 sessions: with DROWN (CVE-2016-0800), an attacker who can \
              make SSLv2 connections to a server holding an RSA key can decrypt recorded TLS \
              sessions that used RSA key exchange with any server sharing that key, even one \
              that never speaks SSLv2. OpenSSL dropped SSLv2 entirely in 1.1.0, so a server \
              that still speaks it runs a very old TLS library or appliance.",
        breaks: "No current client offers SSLv2, so accepting it breaks nothing, and neither \
                 does turning it off. The cost is exposure: through DROWN, TLS sessions with \
                 this server and with every other server or service using the same RSA key \
                 can be decrypted. Vulnerability scanners and compliance checks such as PCI \
                 DSS fail the server.",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "Switch SSL off at every security level (Postfix 3.6+):\n\
                       smtpd_tls_protocols = >=TLSv1\n\
                       smtpd_tls_mandatory_protocols = >=TLSv1.2\n\
                       On older releases:\n\
                       smtpd_tls_protocols = !SSLv2, !SSLv3\n\
                       smtpd_tls_mandatory_protocols = !SSLv2, !SSLv3, !TLSv1, !TLSv1.1\n\
                       Look for per-service overrides as well (`postconf -P | grep protocols`), \
                       then `postfix reload`. A Postfix linked with OpenSSL 1.1.0 or later \
                       cannot do SSLv2 at all; if it still does, its OpenSSL is older.",
            },
            Fix {
                software: "Exim",
                text: "Current Exim with OpenSSL switches SSLv2 and SSLv3 off by default, and \
                       openssl_options only adds to or takes away from those defaults: look \
                       for \"-no_sslv2\" in it (`exim -bP openssl_options`) and remove it, or \
                       state the defaults explicitly:\n\
                       openssl_options = +no_sslv2 +no_sslv3\n\
                       GnuTLS has no SSLv2. If neither explains it, `exim -bV` will show a \
                       very old OpenSSL: install a current Exim package.",
            },
            Fix {
                software: "Any server",
                text: "DROWN works through any server that shares the RSA key, on any port: \
                       web servers, IMAP and POP3 servers, other MX hosts. Switch SSLv2 off \
                       everywhere the key is used, or give this server a new key and \
                       certificate of its own.",
            },
        ],
    },
    // RFC 7568 (SSL 3.0 deprecated); POODLE, CVE-2014-3566; RFC 7465 (RC4 prohibited); OpenSSL
    // 1.1.0 release notes (SSLv3 not built by default); Postfix postconf(5); Exim source
    // (openssl_options defaults); GnuTLS priority strings.
    FindingDef {
        code: "protocol-sslv3",
        severity: Severity::Error,
        title: "The server still accepts SSLv3",
        why: "The server completes a handshake with SSL 3.0 (1996), which has no safe cipher \
              left: its CBC suites fall to the POODLE padding-oracle attack (CVE-2014-3566), \
              and the only alternative, RC4, is broken as well (RFC 7465). RFC 7568 (2015) \
              deprecates SSLv3 and says it must not be used. OpenSSL has been built without \
              SSLv3 by default since 1.1.0, so a server that accepts it runs an old library \
              or has SSLv3 switched back on.",
        breaks: "Current clients do not offer SSLv3, so they are unaffected, and nothing \
                 breaks when it is switched off. The risk is for clients that offer nothing \
                 newer, and for old clients that retry with a lower version after a failed \
                 handshake, which an attacker can provoke to push them down to SSLv3. \
                 Vulnerability scanners and compliance checks such as PCI DSS fail the server.",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "Switch SSLv3 off at every security level (Postfix 3.6+):\n\
                       smtpd_tls_protocols = >=TLSv1\n\
                       smtpd_tls_mandatory_protocols = >=TLSv1.2\n\
                       On older releases:\n\
                       smtpd_tls_protocols = !SSLv2, !SSLv3\n\
                       smtpd_tls_mandatory_protocols = !SSLv2, !SSLv3, !TLSv1, !TLSv1.1\n\
                       Look for per-service overrides as well (`postconf -P | grep protocols`), \
                       then `postfix reload`.",
            },
            Fix {
                software: "Exim",
                text: "With OpenSSL, current Exim excludes SSLv3 by default; look for \
                       \"-no_sslv3\" in openssl_options (`exim -bP openssl_options`) and \
                       remove it, or state the defaults explicitly:\n\
                       openssl_options = +no_sslv2 +no_sslv3\n\
                       With GnuTLS, current releases leave SSL 3.0 out of NORMAL; remove any \
                       +VERS-SSL3.0 from tls_require_ciphers, or exclude it explicitly:\n\
                       tls_require_ciphers = NORMAL:-VERS-SSL3.0",
            },
        ],
    },
    // RFC 8996 (TLS 1.0 and 1.1 deprecated); RFC 7435 (opportunistic security); PCI DSS 3.2
    // (no SSL or early TLS after 30 June 2018); Postfix postconf(5) (smtpd_tls_protocols
    // defaults to >=TLSv1 since 3.6); Exim source (openssl_options); GnuTLS priority strings.
    FindingDef {
        code: "protocol-tls10",
        severity: Severity::Warning,
        title: "The server still accepts TLS 1.0",
        why: "The server completes a handshake with TLS 1.0 (1999). TLS 1.0 has no AEAD cipher \
              suites (no AES-GCM, no ChaCha20-Poly1305) and no SHA-256 suites, and its \
              handshake still rests on MD5 and SHA-1; RFC 8996 (2021) deprecates it together \
              with TLS 1.1, and PCI DSS has not allowed it as a security control since 30 June \
              2018. Postfix nevertheless accepts it by default (smtpd_tls_protocols = >=TLSv1 \
              since Postfix 3.6), because for opportunistic TLS on port 25 weak encryption is \
              better than none.",
        breaks: "Nothing breaks: current clients (Python 3.10+, Java since 8u291, Go 1.18+) do \
                 not offer TLS 1.0 at all and simply use TLS 1.2 or 1.3. What remains is that clients and senders that know nothing newer use TLS \
                 1.0 here, and security scanners and PCI DSS audits flag the server. On port \
                 25 there is a trade-off: a few very old sending MTAs still speak only TLS 1.0, \
                 and if the server refuses it they deliver in plaintext instead, so many MX \
                 operators keep TLS 1.0 for opportunistic STARTTLS, while the submission ports \
                 (587, 465), where your own users' clients connect, should require TLS 1.2.",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "Require TLS 1.2 where TLS is mandatory and decide about port 25 \
                       separately (Postfix 3.6+ syntax):\n\
                       smtpd_tls_protocols = >=TLSv1\n\
                       smtpd_tls_mandatory_protocols = >=TLSv1.2\n\
                       The mandatory setting applies where smtpd_tls_security_level = encrypt, \
                       so give the submission (587) and submissions (465) services in \
                       master.cf \"-o smtpd_tls_security_level=encrypt\". To refuse TLS 1.0 on \
                       port 25 as well, set smtpd_tls_protocols = >=TLSv1.2. Before Postfix \
                       3.6, use the exclusion form: `!SSLv2, !SSLv3` for TLS 1.0 and up, \
                       `!SSLv2, !SSLv3, !TLSv1, !TLSv1.1` for TLS 1.2 and up.",
            },
            Fix {
                software: "Exim",
                text: "With OpenSSL (the options add to Exim's defaults):\n\
                       openssl_options = +no_sslv2 +no_sslv3 +no_tlsv1 +no_tlsv1_1\n\
                       With GnuTLS:\n\
                       tls_require_ciphers = NORMAL:-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1\n\
                       Either applies to every port of this Exim, port 25 included, so weigh \
                       the port 25 trade-off first.",
            },
            Fix {
                software: "Any server",
                text: "Before switching TLS 1.0 off, see who still uses it. Postfix with \
                       smtpd_tls_loglevel = 1 logs every session, e.g. \"Anonymous TLS \
                       connection established from ...: TLSv1 with cipher ...\":\n\
                       grep -E 'TLS connection established from .*: TLSv1 with' /var/log/mail.log\n\
                       Exim logs the protocol and cipher in the X= field of each message's \
                       log line.",
            },
        ],
    },
    // RFC 8996 (TLS 1.0 and 1.1 deprecated); OpenSSL 1.0.1 changes (TLS 1.1 and 1.2 added
    // together); Postfix postconf(5); Exim source (openssl_options); GnuTLS priority strings.
    FindingDef {
        code: "protocol-tls11",
        severity: Severity::Warning,
        title: "The server still accepts TLS 1.1",
        why: "The server completes a handshake with TLS 1.1 (2006). It fixed TLS 1.0's \
              predictable CBC initialisation vectors but otherwise shares its limits: no AEAD \
              or SHA-256 cipher suites, and a handshake that rests on MD5 and SHA-1. RFC 8996 \
              (2021) deprecates it together with TLS 1.0. Little software ever stopped at TLS \
              1.1, since most gained TLS 1.1 and 1.2 together (OpenSSL in 1.0.1, for \
              example), so it is rarely the best version a peer has.",
        breaks: "Nothing breaks: current clients (Python 3.10+, Java since 8u291, Go 1.18+) \
                 do not offer TLS 1.1 and use TLS 1.2 or 1.3. Old peers that know nothing newer \
                 use it, and security scanners flag the server. The port 25 trade-off \
                 described for TLS 1.0 applies in principle (a sender that finds no common \
                 version delivers in plaintext), but senders that stop at TLS 1.1 are rarer \
                 still; on the submission ports (587, 465) TLS 1.2 should be required.",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "Require TLS 1.2 where TLS is mandatory (Postfix 3.6+ syntax):\n\
                       smtpd_tls_mandatory_protocols = >=TLSv1.2\n\
                       and give the submission services in master.cf \
                       \"-o smtpd_tls_security_level=encrypt\". To remove TLS 1.0 and 1.1 on \
                       port 25 too, set smtpd_tls_protocols = >=TLSv1.2. Before Postfix 3.6: \
                       `!SSLv2, !SSLv3, !TLSv1, !TLSv1.1`. Then `postfix reload`.",
            },
            Fix {
                software: "Exim",
                text: "With OpenSSL (the options add to Exim's defaults):\n\
                       openssl_options = +no_sslv2 +no_sslv3 +no_tlsv1 +no_tlsv1_1\n\
                       With GnuTLS:\n\
                       tls_require_ciphers = NORMAL:-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1\n\
                       Either applies to every port of this Exim, port 25 included.",
            },
        ],
    },
    // RFC 7465 (RC4 prohibited); FREAK, CVE-2015-0204; Logjam, CVE-2015-4000; SWEET32,
    // CVE-2016-2183; Postfix postconf(5) (smtpd_tls_exclude_ciphers, anonymous ciphers under
    // smtpd_tls_mandatory_ciphers); JDK java.security (jdk.tls.disabledAlgorithms); GnuTLS
    // priority strings.
    FindingDef {
        code: "cipher-weak",
        severity: Severity::Error,
        title: "The server accepts weak cipher suites (NULL, EXPORT, RC4, DES, 3DES, ...)",
        why: "Some of the suites the server accepts give little or no protection. NULL suites \
              encrypt nothing; anonymous (aNULL) suites skip authentication, so a client that \
              uses one cannot tell the real server from an impostor; EXPORT suites were \
              weakened on purpose (40-bit keys, 512-bit RSA or DH) and are what FREAK \
              (CVE-2015-0204) and Logjam (CVE-2015-4000) exploit; RC4 leaks plaintext through \
              its biases and RFC 7465 prohibits it; single DES has a 56-bit key, and 3DES, \
              with its 64-bit blocks, falls to SWEET32 (CVE-2016-2183) on long connections; \
              suites with an MD5 MAC are nearly all of these kinds anyway. Current OpenSSL releases \
              no longer offer most of them, so their presence points to an old TLS library or \
              a hand-made cipher list.",
        breaks: "Current clients do not offer these suites (current JDKs disable RC4, DES, \
                 3DES, anon and NULL in jdk.tls.disabledAlgorithms; OpenSSL 3's and Python's \
                 defaults leave them out), so removing them breaks nothing for them. The risk \
                 lies with old peers that offer them: a man in the middle can push vulnerable \
                 clients down to EXPORT-grade keys (FREAK, Logjam) and break those, and long \
                 3DES sessions leak data (SWEET32). Vulnerability scanners and compliance \
                 checks fail the server.",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "Remove them at every security level (this is a plain list, not an \
                       OpenSSL cipher string):\n\
                       smtpd_tls_exclude_ciphers = eNULL, EXPORT, DES, 3DES, RC4, MD5\n\
                       smtpd_tls_mandatory_ciphers = high\n\
                       smtpd_tls_mandatory_exclude_ciphers = aNULL\n\
                       and keep smtpd_tls_ciphers at medium, the default since 2015 (\"export\" \
                       or \"low\" bring weak suites back). Postfix keeps anonymous suites on \
                       purpose for opportunistic TLS: only clients that ask for them get them, \
                       and a sender on port 25 that does not check certificates gains nothing \
                       from one; the last line removes them where TLS is mandatory. Then \
                       `postfix reload`.",
            },
            Fix {
                software: "Exim",
                text: "With OpenSSL, tls_require_ciphers is an OpenSSL cipher string:\n\
                       tls_require_ciphers = HIGH:!aNULL:!eNULL:!RC4:!3DES:!MD5\n\
                       With GnuTLS, current releases leave RC4 and 3DES out of NORMAL; remove \
                       any +ARCFOUR-128, +3DES-CBC or +NULL from the priority string, or \
                       exclude them explicitly:\n\
                       tls_require_ciphers = NORMAL:-3DES-CBC:-ARCFOUR-128",
            },
            Fix {
                software: "Any server",
                text: "Appliances and other servers usually offer a \"strong\" or \"high\" \
                       cipher profile, or need a firmware update. On Windows (e.g. Exchange), \
                       switch the suites off in Schannel: set the DWORD Enabled = 0 under \
                       HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Ciphers \
                       in the subkeys \"RC4 128/128\", \"Triple DES 168\", \"DES 56/56\" and \
                       \"NULL\", then reboot.",
            },
        ],
    },
    // RFC 8446 section 1.2 (TLS 1.3 removed static RSA and DH); Python 3.10 "What's New" (no
    // suites without forward secrecy by default); Go 1.22 release notes (RSA key exchange
    // suites removed from the defaults); Postfix postconf(5) and FORWARD_SECRECY_README; Exim
    // specification (tls_require_ciphers); GnuTLS priority strings.
    FindingDef {
        code: "cipher-no-forward-secrecy",
        severity: Severity::Warning,
        title: "The server accepts suites without forward secrecy (static RSA or DH)",
        why: "With static RSA key exchange (suites named TLS_RSA_WITH_..., in OpenSSL terms \
              AES128-SHA, AES256-GCM-SHA384 and the like) the client encrypts the session \
              secret with the key of the server's certificate; the rare static DH and ECDH \
              suites likewise reuse a fixed key. Anyone who records such a session and later \
              obtains that private key, from a backup, a break-in or a seizure, can decrypt \
              it. ECDHE and DHE suites use a fresh key for every session, and TLS 1.3 removed \
              static key exchange altogether.",
        breaks: "Nothing breaks while the server also offers ECDHE suites, which current \
                 clients prefer: Python 3.10+ leaves static RSA out of its default cipher \
                 list, and Go 1.22+ no longer offers it by default. The exposure is for \
                 sessions with clients that choose these suites, or are steered to them when \
                 the server follows the client's order (see no-server-preference). A server \
                 with nothing but static RSA suites would fail with those Python and Go \
                 clients (a handshake_failure alert).",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "ECDHE is on by default with current Postfix and OpenSSL \
                       (smtpd_tls_eecdh_grade = auto); make sure it gets chosen by letting \
                       the server pick the suite:\n\
                       tls_preempt_cipherlist = yes\n\
                       Where TLS is mandatory (submission), drop static RSA altogether:\n\
                       smtpd_tls_mandatory_exclude_ciphers = kRSA\n\
                       Excluding it on port 25 too (smtpd_tls_exclude_ciphers = kRSA) can send \
                       the rare very old sender that knows only static RSA suites to \
                       plaintext. Then `postfix reload`.",
            },
            Fix {
                software: "Exim",
                text: "With OpenSSL, leave static RSA out of the cipher string (it does not \
                       affect TLS 1.3, which has none):\n\
                       tls_require_ciphers = DEFAULT:!kRSA\n\
                       With GnuTLS, remove the RSA key exchange from the priority string:\n\
                       tls_require_ciphers = NORMAL:-RSA\n\
                       Both apply to port 25 as well, with the same caveat about very old \
                       senders.",
            },
        ],
    },
    // Logjam, CVE-2015-4000 (Adrian et al., "Imperfect Forward Secrecy", 2015); RFC 7919
    // (FFDHE groups); OpenSSL SSL_CTX_set_security_level(3); JDK java.security
    // (jdk.tls.disabledAlgorithms); Postfix postconf(5) (smtpd_tls_dh1024_param_file); Exim
    // source (std-crypto.c, named DH groups).
    FindingDef {
        code: "dh-weak",
        severity: Severity::Error,
        title: "The server's DHE group is smaller than 2048 bits",
        why: "For DHE key exchange the server uses Diffie-Hellman parameters (a prime) of fewer \
              than 2048 bits. The Logjam research (CVE-2015-4000) broke 512-bit groups in \
              practice and showed that 1024-bit groups, above all the few primes that many \
              servers share, are within reach of a well-funded attacker. This concerns DHE \
              suites in TLS 1.2 and older only; TLS 1.3 uses standard groups of at least 2048 \
              bits. The usual cause is an old parameter file or an old built-in default.",
        breaks: "Clients that check the size fail the handshake whenever the server picks a \
                 DHE suite. Python 3.10 and later (whose default cipher string sets \
                 @SECLEVEL=2) and other OpenSSL clients at security level 2 (the default on \
                 Debian and Ubuntu, and in OpenSSL 3.2 and later) refuse groups below 2048 \
                 bits: \"[SSL: DH_KEY_TOO_SMALL] dh key too small\". Java refuses groups below \
                 1024 bits (\"DH keySize < 1024\" in jdk.tls.disabledAlgorithms) with \"DH \
                 ServerKeyExchange does not comply to algorithm constraints\". Clients that \
                 get an ECDHE suite never notice, which is why only some clients fail.",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "Postfix 3.1 and later have a built-in 2048-bit group, and Postfix 3.7+ \
                       built with OpenSSL 3 lets OpenSSL choose when \
                       smtpd_tls_dh1024_param_file is empty or \"auto\", so often the fix is \
                       to remove an old setting (`postconf -n | grep dh`). To use your own \
                       parameters:\n\
                       openssl dhparam -out /etc/postfix/dh2048.pem 2048\n\
                       smtpd_tls_dh1024_param_file = ${config_directory}/dh2048.pem\n\
                       The \"1024\" in the name is historical; 2048 bits is right, and much \
                       larger groups slow the handshake and can fail with some clients. Then \
                       `postfix reload`.",
            },
            Fix {
                software: "Exim",
                text: "tls_dhparam chooses the group; name a standard 2048-bit one from RFC \
                       7919, which current Exim has built in:\n\
                       tls_dhparam = ffdhe2048\n\
                       (ffdhe3072 also exists). Check the current value with \
                       `exim -bP tls_dhparam`: a file with 1024-bit parameters or the small \
                       built-in groups ike1, ike2, ike5 and ike22 cause this finding. Restart \
                       Exim afterwards.",
            },
            Fix {
                software: "Python ssl",
                text: "Stopgap only, for a server you cannot fix: accept 1024-bit groups in \
                       this one client with\n\
                       ctx = ssl.create_default_context()\n\
                       ctx.set_ciphers(\"DEFAULT:@SECLEVEL=1\")",
            },
        ],
    },
    // OpenSSL SSL_CTX_set_options(3) (SSL_OP_CIPHER_SERVER_PREFERENCE, SSL_OP_PRIORITIZE_CHACHA);
    // Mozilla Server Side TLS guidelines (client chooses when all suites are strong); Postfix
    // postconf(5) (tls_preempt_cipherlist); Exim source (openssl_options); GnuTLS priority
    // strings (%SERVER_PRECEDENCE).
    FindingDef {
        code: "no-server-preference",
        severity: Severity::Note,
        title: "The server follows the client's cipher suite order, not its own",
        why: "When choosing a cipher suite, the server takes the first one in the client's \
              list that it supports, instead of the first one in its own list that the client \
              supports. A client that lists a weaker suite first, such as an old one that \
              prefers static RSA or CBC suites, gets it even though the server could have \
              chosen better. When every suite the server accepts is strong (ECDHE with AES-GCM \
              or ChaCha20-Poly1305, and TLS 1.3) this hardly matters, and Mozilla's server \
              guidelines then leave the choice to the client, which knows best, for example, \
              whether it has AES hardware.",
        breaks: "Nothing breaks; this decides which suite is used, not whether a connection \
                 works. It only matters when the server also accepts suites weaker than others \
                 it has (see cipher-weak and cipher-no-forward-secrecy).",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "tls_preempt_cipherlist = yes\n\
                       then `postfix reload`. It is off by default because some old clients \
                       listed suites they had implemented badly: the Postfix documentation \
                       names Windows 2003 Exchange, whose DES-CBC3-SHA is broken and which \
                       OpenSSL ranks above RC4-SHA.",
            },
            Fix {
                software: "Exim",
                text: "With OpenSSL (openssl_options adds to Exim's defaults):\n\
                       openssl_options = +no_sslv2 +no_sslv3 +cipher_server_preference\n\
                       Recent Exim releases also accept +prioritize_chacha, which keeps \
                       ChaCha20 for clients that list it first (typically phones without AES \
                       hardware); an Exim that does not know an option refuses the whole \
                       setting, so check the logs after adding it. With GnuTLS:\n\
                       tls_require_ciphers = NORMAL:%SERVER_PRECEDENCE",
            },
        ],
    },
    // CVE-2014-0160 (Heartbleed; OpenSSL 1.0.1 to 1.0.1f, fixed in 1.0.1g); RFC 6520
    // section 4 (a heartbeat whose payload_length is too large must be discarded); Postfix and
    // Exim link the system OpenSSL.
    FindingDef {
        code: "heartbleed",
        severity: Severity::Error,
        title: "The server leaks its memory through heartbeats (Heartbleed)",
        why: "The server answered a heartbeat request that claimed more payload than it carried \
              with a response of the claimed length: it copied memory beyond the request, which \
              is Heartbleed (CVE-2014-0160, OpenSSL 1.0.1 to 1.0.1f). Anyone who can connect can \
              read up to 64 KiB of the server process's memory per request, without a trace in \
              the mail log: private keys, passwords of SMTP AUTH, pieces of other sessions' mail. \
              The probe claimed only 16 bytes more than it sent and never read them.",
        breaks: "Nothing fails; every client keeps working, which is why vulnerable servers \
                 linger. Assume the private key and any credentials used on this server are \
                 known to others.",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "Postfix uses the system's OpenSSL: update it (1.0.1g or later; today a \
                       supported 3.x release), then `postfix stop; postfix start` so that no \
                       process keeps the old library. Then replace the key and certificate \
                       (smtpd_tls_chain_files), revoke the old certificate, and change the \
                       passwords used for SMTP AUTH.",
            },
            Fix {
                software: "Exim",
                text: "Update OpenSSL (or the Exim package built against it), restart Exim, \
                       then issue a new key and certificate (tls_certificate, tls_privatekey), \
                       revoke the old one and change the SMTP AUTH passwords.",
            },
            Fix {
                software: "Any server",
                text: "Update the TLS library or the appliance firmware, restart, then replace \
                       the key and certificate: the old key must be taken as stolen.",
            },
        ],
    },
    // CVE-2014-0224 (Masashi Kikuchi, "CCS Injection"; OpenSSL before 0.9.8za, 1.0.0m and
    // 1.0.1h); sslyze's probe (early ChangeCipherSpec, then bad_record_mac on a record).
    FindingDef {
        code: "ccs-injection",
        severity: Severity::Error,
        title: "The server accepts an early ChangeCipherSpec (CCS injection)",
        why: "The server accepted a ChangeCipherSpec before any key exchange and then tried to \
              decrypt the next record with keys from an empty master secret (it answered \
              bad_record_mac instead of unexpected_message). This is CVE-2014-0224 in OpenSSL \
              before 0.9.8za, 1.0.0m and 1.0.1h: a man in the middle between two vulnerable \
              OpenSSL peers can make them use keys he knows and read or change the mail.",
        breaks: "Nothing fails. The exposure is to an attacker on the network path when the \
                 sending MTA runs a vulnerable OpenSSL too (0.9.8 or 1.0.1 of 2014).",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "Update the system's OpenSSL to a supported release and restart Postfix \
                       (`postfix stop; postfix start`).",
            },
            Fix {
                software: "Exim",
                text: "Update OpenSSL (or the Exim package built against it) and restart Exim.",
            },
        ],
    },
    // ROBOT (Böck, Somorovsky and Young, "Return Of Bleichenbacher's Oracle Threat", USENIX
    // Security 2018; CVE-2017-13099 and others per vendor); RFC 5246 section 7.4.7.1 (the
    // countermeasure: treat a bad block like a good one with a random premaster secret).
    FindingDef {
        code: "robot",
        severity: Severity::Error,
        title: "The server is an RSA decryption oracle (ROBOT)",
        why: "The server answered a valid PKCS#1 v1.5 block and malformed ones in the \
              ClientKeyExchange differently (another alert, a close, or silence). That difference \
              is Bleichenbacher's oracle: with enough connections an attacker can decrypt a \
              recorded session that used RSA key exchange, or sign with the server's key. It \
              affects RSA key-exchange suites only (TLS_RSA_WITH_..., AES128-SHA and the like), \
              and is usually a TLS library or appliance bug (F5, Citrix, Cisco ACE and others \
              in 2017).",
        breaks: "Nothing fails. The exposure is every session that used an RSA key-exchange \
                 suite, and the certificate's key itself.",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "Leave RSA key exchange out where you can:\n\
                       smtpd_tls_exclude_ciphers = kRSA\n\
                       (very old senders then use plaintext), and update OpenSSL. Then \
                       `postfix reload`.",
            },
            Fix {
                software: "Exim",
                text: "tls_require_ciphers = DEFAULT:!kRSA\n\
                       (OpenSSL) or NORMAL:-RSA (GnuTLS), and update the TLS library.",
            },
            Fix {
                software: "Any server",
                text: "Update the appliance or TLS terminator (the vendors' ROBOT advisories \
                       of 2017 and 2018 name the fixed firmware), or turn off RSA key exchange.",
            },
        ],
    },
    // DROWN (Aviram et al., "DROWN: Breaking TLS using SSLv2", USENIX Security 2016;
    // CVE-2016-0800): the SSLv2 server is a Bleichenbacher oracle for RSA key-exchange
    // ciphertexts made with the same key on any other server; the paper found most exposed
    // HTTPS servers were exposed through another host or port sharing the key.
    FindingDef {
        code: "drown-shared-key",
        severity: Severity::Error,
        title: "Another server of this check speaks SSLv2 with this server's RSA key (DROWN)",
        why: "This server refuses SSLv2, but another endpoint of the same check (another MX \
              host or address) speaks SSLv2 with the very same RSA key. Through DROWN \
              (CVE-2016-0800), that SSLv2 service lets an attacker decrypt recorded TLS \
              sessions with this server that used RSA key exchange: the key is the weakness, \
              not the protocol this server speaks.",
        breaks: "Nothing fails. The exposure is every recorded session with this server that \
                 used an RSA key-exchange suite (TLS_RSA_WITH_..., AES128-SHA and the like).",
        fixes: &[
            Fix {
                software: "Any server",
                text: "Switch SSLv2 off on the server named in the evidence (see its \
                       protocol-sslv2 finding), or give this server a new key and certificate \
                       of its own. Leaving RSA key exchange out here (see the Postfix and Exim \
                       fixes) protects new sessions too.",
            },
            Fix {
                software: "Postfix",
                text: "Leave RSA key exchange out, so no session can be decrypted through the \
                       shared key:\n\
                       smtpd_tls_exclude_ciphers = kRSA\n\
                       then `postfix reload`; and switch SSLv2 off where the key is shared.",
            },
            Fix {
                software: "Exim",
                text: "Leave RSA key exchange out:\n\
                       tls_require_ciphers = DEFAULT:!kRSA\n\
                       (OpenSSL) or NORMAL:-RSA (GnuTLS); and switch SSLv2 off where the key is \
                       shared.",
            },
        ],
    },
    // RFC 5746 (renegotiation_info) and CVE-2009-3555 (Ray and Dispensa, renegotiation
    // prefix injection); OpenSSL 0.9.8m and later support RFC 5746; RFC 7457 section 2.4.
    FindingDef {
        code: "no-secure-renegotiation",
        severity: Severity::Warning,
        title: "The server does not support secure renegotiation (RFC 5746)",
        why: "The scan's hellos offered the renegotiation_info extension (or its SCSV) and the \
              server did not echo it, so it does not implement RFC 5746. Without it, a server \
              that allows renegotiation can be fooled into gluing an attacker's data in front \
              of a client's session (CVE-2009-3555): for SMTP, commands injected ahead of the \
              client's own. Every TLS library since 2010 supports RFC 5746, so its absence \
              points to a very old library or a TLS-terminating appliance.",
        breaks: "Strict clients refuse such servers: OpenSSL clients built with \
                 SSL_OP_LEGACY_SERVER_CONNECT off (the default since OpenSSL 3.0) fail with \
                 \"unsafe legacy renegotiation disabled\", so Postfix, Exim and Python on \
                 OpenSSL 3 may be unable to start TLS here and fall back to plaintext or defer.",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "Update OpenSSL (0.9.8m and later support RFC 5746; use a supported 3.x) \
                       and restart Postfix.",
            },
            Fix {
                software: "Exim",
                text: "Update the TLS library (OpenSSL or GnuTLS) and restart Exim.",
            },
            Fix {
                software: "Any server",
                text: "Update the appliance or the TLS terminator in front of the mail server; \
                       disable renegotiation if it offers a switch.",
            },
        ],
    },
    // THC-SSL-DOS (2011: renegotiations cost the server a private-key operation each, the
    // client almost nothing); CVE-2009-3555 and RFC 5746 (renegotiation without the extension);
    // OpenSSL 3.0 CHANGES (client-initiated renegotiation off by default); postconf(5)
    // tls_ssl_options NO_RENEGOTIATION (Postfix 3.4); Exim's openssl_options
    // +no_renegotiation (tls-openssl.c).
    FindingDef {
        code: "client-renegotiation",
        severity: Severity::Warning,
        title: "The server accepts client-initiated renegotiation",
        why: "After a completed TLS 1.2-or-older handshake, a new ClientHello sent inside the \
              session got a ServerHello: the server lets the client restart the handshake as \
              often as it likes. Each renegotiation costs the server a private-key operation \
              and the client next to nothing, so one client can keep a server's CPU busy \
              (THC-SSL-DOS). Mail needs no renegotiation at all. Without RFC 5746 (see \
              no-secure-renegotiation) it is worse: an attacker in the path can splice its own \
              commands in front of the client's session (CVE-2009-3555).",
        breaks: "Nothing breaks for clients; refusing renegotiation costs nothing, as SMTP \
                 clients never renegotiate.",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "tls_ssl_options = NO_RENEGOTIATION\n\
                       (Postfix 3.4 and later with OpenSSL 1.1.0h or later), then `postfix \
                       reload`. OpenSSL 3.0 and later refuse client renegotiation by default.",
            },
            Fix {
                software: "Exim",
                text: "With OpenSSL: openssl_options = +no_renegotiation\n\
                       and restart Exim. With GnuTLS, update GnuTLS and Exim.",
            },
            Fix {
                software: "Any server",
                text: "Link the server against OpenSSL 3.0 or later (client-initiated \
                       renegotiation is off unless SSL_OP_ALLOW_CLIENT_RENEGOTIATION is set), \
                       or set SSL_OP_NO_RENEGOTIATION; on an appliance, turn renegotiation off.",
            },
        ],
    },
    // RFC 7507 (TLS_FALLBACK_SCSV, inappropriate_fallback); RFC 8446 section 4.1.3 (the
    // downgrade sentinel of TLS 1.3 servers); OpenSSL 1.0.1j and later honour the SCSV.
    FindingDef {
        code: "no-fallback-scsv",
        severity: Severity::Note,
        title: "The server ignores TLS_FALLBACK_SCSV (no downgrade protection, RFC 7507)",
        why: "A hello for a lower version than the server's best, carrying TLS_FALLBACK_SCSV, \
              got a ServerHello instead of the inappropriate_fallback alert. A client that \
              retries with a lower version after a failure (as browsers once did) can then be \
              pushed down by an attacker who breaks its first attempt. Mail clients rarely \
              retry that way, and TLS 1.3 servers also mark a downgrade in their random (RFC \
              8446), so this matters little for SMTP.",
        breaks: "Nothing breaks; it is a missing safety net for clients that fall back.",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "Update OpenSSL (1.0.1j and later honour the SCSV) and restart Postfix; \
                       turning off the old versions (smtpd_tls_protocols = >=TLSv1.2) leaves \
                       nothing to fall back to.",
            },
            Fix {
                software: "Exim",
                text: "Update the TLS library and restart Exim, or turn off the old versions \
                       (openssl_options = +no_sslv3 +no_tlsv1 +no_tlsv1_1).",
            },
        ],
    },
    // CRIME (Rizzo and Duong, 2012); RFC 3749 (DEFLATE); RFC 7457 section 2.6; RFC 8446
    // (TLS 1.3 removed compression); OpenSSL 1.1.0 disables compression by default.
    FindingDef {
        code: "tls-compression",
        severity: Severity::Note,
        title: "The server compresses TLS records (CRIME)",
        why: "Offered DEFLATE and null, the server chose DEFLATE. Compressing before encrypting \
              leaks how well attacker-chosen text compresses against secrets in the same \
              stream (CRIME). The attack needs the attacker to inject chosen text next to the \
              secret many times over, as a script in a victim's browser can; an SMTP client \
              relaying mail offers no such handle, so this is a note for mail. Compression also \
              costs memory per connection.",
        breaks: "Nothing breaks; peers that do not compress simply do not (OpenSSL 1.1.0 and \
                 later never offer it by default).",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "tls_ssl_options = NO_COMPRESSION\n\
                       (Postfix 2.11 and later), then `postfix reload`.",
            },
            Fix {
                software: "Exim",
                text: "openssl_options = +no_compression\n\
                       and restart Exim.",
            },
        ],
    },
    // BEAST (Rizzo and Duong, 2011, CVE-2011-3389); RFC 8996 (TLS 1.0 and 1.1 deprecated);
    // the 1/n-1 record split of clients (OpenSSL and NSS) that mitigates it.
    FindingDef {
        code: "cbc-tls10",
        severity: Severity::Note,
        title: "The server accepts CBC suites in TLS 1.0 (BEAST)",
        why: "In TLS 1.0 (as in SSLv3) a CBC record's IV is the last block of the previous one, \
              which BEAST (CVE-2011-3389) uses to guess secrets a block at a time. It needs an \
              attacker who makes the client send chosen plaintext next to the secret, as a \
              script in a browser can; mail relaying gives no such handle, and current clients \
              split records (1/n-1) to defeat it. For mail this is a note; turning off TLS 1.0 \
              (protocol-tls10) ends it.",
        breaks: "Nothing breaks.",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "smtpd_tls_protocols = >=TLSv1.2\n\
                       (Postfix 3.6 syntax; older: !SSLv2, !SSLv3, !TLSv1, !TLSv1.1), then \
                       `postfix reload`. Keep in mind very old senders then use plaintext.",
            },
            Fix {
                software: "Exim",
                text: "openssl_options = +no_sslv3 +no_tlsv1 +no_tlsv1_1\n\
                       then restart Exim.",
            },
        ],
    },
    // Lucky Thirteen (AlFardan and Paterson, 2013, CVE-2013-0169); RFC 7366 (encrypt-then-MAC);
    // OpenSSL 1.0.1d made the CBC MAC check constant-time.
    FindingDef {
        code: "cbc-lucky13",
        severity: Severity::Note,
        title: "The server accepts CBC suites with MAC-then-encrypt (Lucky13)",
        why: "CBC suites check the padding and the MAC of a record in an order whose timing can \
              reveal plaintext (Lucky Thirteen, CVE-2013-0169). Current libraries check in \
              constant time, which cannot be seen from outside; the attack needs many \
              connections repeating the same secret, unusual for mail. Encrypt-then-MAC (RFC \
              7366) removes the problem, and the server did not use it for its CBC suites.",
        breaks: "Nothing breaks.",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "Prefer AEAD suites with tls_preempt_cipherlist = yes; where TLS is \
                       mandatory drop CBC: smtpd_tls_mandatory_exclude_ciphers = SHA1, SHA256, \
                       SHA384 (the CBC suites' MACs). OpenSSL 1.1.0 and later use \
                       encrypt-then-MAC with clients that ask for it.",
            },
            Fix {
                software: "Exim",
                text: "tls_require_ciphers = ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL\n\
                       (OpenSSL) leaves CBC out; weigh it against very old senders.",
            },
        ],
    },
    // RFC 5246 section 7.4.2 and RFC 8446 section 4.4.2 (the server sends its chain);
    // RFC 5280 section 4.2.2.1 (Authority Information Access); Postfix postconf(5)
    // (smtpd_tls_chain_files, smtpd_tls_cert_file); Let's Encrypt / certbot file layout.
    FindingDef {
        code: "chain-incomplete",
        severity: Severity::Error,
        title: "The server does not send its intermediate certificate(s)",
        why: "A server must send its own certificate followed by the intermediate CA \
              certificates that link it to a trusted root; this server leaves out at least one \
              intermediate. Browsers and Windows often hide the mistake by downloading the \
              missing certificate from the address in the certificate's Authority Information \
              Access (caIssuers) field, or by using a cached copy. Mail servers and most mail \
              and programming-language clients download nothing, so for them the chain cannot \
              be built. The usual cause is configuring the leaf-only file (Let's Encrypt \
              cert.pem) instead of the full chain (fullchain.pem).",
        breaks: "Verifying senders (MTA-STS in enforce mode, Postfix or Exim with \
                 verification on), Gmail \"send mail as\" and application clients fail while \
                 a browser test of the same name looks fine. Java: \"PKIX path building \
                 failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to \
                 find valid certification path to requested target\" (Java only fetches \
                 missing intermediates when started with \
                 -Dcom.sun.security.enableAIAcaIssuers=true). Python: \
                 \"ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate \
                 verify failed: unable to get local issuer certificate\". OpenSSL: verify error \
                 20 \"unable to get local issuer certificate\" or 21 \"unable to verify the \
                 first certificate\".",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "Serve the key, the leaf and the intermediates (Postfix 3.4+):\n\
                       smtpd_tls_chain_files = /etc/letsencrypt/live/mail.example.com/privkey.pem, /etc/letsencrypt/live/mail.example.com/fullchain.pem\n\
                       or, with the older parameters, a certificate file holding the leaf \
                       followed by the intermediates:\n\
                       smtpd_tls_cert_file = /etc/letsencrypt/live/mail.example.com/fullchain.pem\n\
                       smtpd_tls_key_file = /etc/letsencrypt/live/mail.example.com/privkey.pem\n\
                       then run `postfix reload`.",
            },
            Fix {
                software: "Exim",
                text: "tls_certificate = /etc/letsencrypt/live/mail.example.com/fullchain.pem\n\
                       tls_privatekey = /etc/letsencrypt/live/mail.example.com/privkey.pem\n\
                       For a certificate from another CA, append the intermediates to the \
                       certificate file, leaf first: \
                       `cat leaf.pem intermediate.pem > chain.pem`. Reload Exim afterwards.",
            },
            Fix {
                software: "Java keytool",
                text: "Stopgap only, when you cannot fix the server: trust the intermediate \
                       on the client.\n\
                       keytool -importcert -trustcacerts -alias mail-intermediate -file intermediate.pem -keystore $JAVA_HOME/lib/security/cacerts\n\
                       (Java 9+ also: `keytool -importcert -cacerts -alias mail-intermediate \
                       -file intermediate.pem`; a Java 8 JDK keeps the store in \
                       $JAVA_HOME/jre/lib/security/cacerts; the default store password is \
                       changeit). Alternatively start the JVM with \
                       -Dcom.sun.security.enableAIAcaIssuers=true.",
            },
            Fix {
                software: "Python ssl",
                text: "Stopgap only, when you cannot fix the server:\n\
                       ctx = ssl.create_default_context()\n\
                       ctx.load_verify_locations(cafile=\"intermediate.pem\")\n\
                       This adds the intermediate to the trusted certificates of this one \
                       client; fixing the server fixes every client.",
            },
        ],
    },
    // RFC 5246 section 7.4.2 (each certificate must certify the one before it);
    // RFC 8446 section 4.4.2 (leaf first; clients should tolerate other orders).
    FindingDef {
        code: "chain-order",
        severity: Severity::Warning,
        title: "The certificate chain is out of order or contains unrelated certificates",
        why: "The server sends its certificates in the wrong order, or includes certificates \
              that do not belong to its chain, such as another site's certificate or an old \
              or duplicate intermediate. TLS 1.2 (RFC 5246 section 7.4.2) requires the \
              server's own certificate first and each following certificate to certify the \
              one before it; TLS 1.3 (RFC 8446 section 4.4.2) still requires the server's \
              certificate first but asks clients to tolerate other orders and extra \
              certificates. Current mainstream TLS libraries sort the chain themselves, so \
              this often goes unnoticed.",
        breaks: "Older and embedded TLS stacks that follow the list strictly in order can fail \
                 with confusing errors about an unknown issuer or a bad certificate, although \
                 every certificate they need was sent. Extra certificates also make every \
                 handshake larger for nothing.",
        fixes: &[
            Fix {
                software: "Any server",
                text: "Order the file as: the server certificate, then its issuer, then that \
                       issuer's issuer (the root is optional and usually left out); delete \
                       everything else. List what a file contains, in order:\n\
                       openssl crl2pkcs7 -nocrl -certfile chain.pem | openssl pkcs7 -print_certs -noout\n\
                       Each certificate's issuer= line must equal the subject= line of the \
                       next one.",
            },
            Fix {
                software: "Postfix",
                text: "In smtpd_tls_chain_files the private key comes first, then the \
                       certificates in the order above; in smtpd_tls_cert_file the leaf comes \
                       first, then the intermediates. Let's Encrypt's fullchain.pem is already \
                       in the right order. Run `postfix reload` after changing the file.",
            },
            Fix {
                software: "Exim",
                text: "The file named by tls_certificate must hold the leaf first, then the \
                       intermediates in order; Let's Encrypt's fullchain.pem gets this right. \
                       Reload Exim after changing it.",
            },
        ],
    },
    // RFC 8446 section 4.4.2 and RFC 5246 section 7.4.2 (the chain: the leaf and what certifies
    // it); no TLS library needs more than a handful of certificates.
    FindingDef {
        code: "chain-too-long",
        severity: Severity::Warning,
        title: "The server sends far more certificates than a chain needs",
        why: "A certificate chain is the server's certificate and the one or two intermediates \
              that certify it, sometimes with the root. This server sends more than twenty \
              certificates: a configuration file that concatenates every certificate it could \
              find, a bundle of CA certificates given as the server's chain, or a server built to \
              exhaust its clients. Only the first twenty were analysed.",
        breaks: "Every handshake carries the whole list, so each connection is larger and slower; \
                 clients with limits on the chain length or the handshake size (embedded stacks, \
                 some Java and .NET settings) abort the handshake.",
        fixes: &[
            Fix {
                software: "Any server",
                text: "Send the server certificate and its intermediates only. List what the file \
                       holds:\n\
                       openssl crl2pkcs7 -nocrl -certfile chain.pem | openssl pkcs7 -print_certs -noout\n\
                       and keep the leaf and the certificates on its issuer path.",
            },
            Fix {
                software: "Postfix",
                text: "smtpd_tls_chain_files (or smtpd_tls_cert_file) must name a file with the \
                       key, the leaf and its intermediates, not a CA bundle such as \
                       /etc/ssl/certs/ca-certificates.crt (that belongs in smtpd_tls_CAfile, \
                       which is not sent). Then `postfix reload`.",
            },
            Fix {
                software: "Exim",
                text: "tls_certificate must name the leaf and its intermediates only; a CA bundle \
                       belongs in tls_verify_certificates, which is not sent. Reload Exim.",
            },
        ],
    },
    // RFC 7672 section 3.1.1 (DANE-EE); Debian postfix package (snakeoil certificate);
    // certbot documentation.
    FindingDef {
        code: "cert-self-signed",
        severity: Severity::Error,
        title: "The server's certificate is self-signed",
        why: "The certificate is signed by its own key rather than by a certificate \
              authority, so nobody but the server vouches for it and a verifying client has \
              nothing to check it against. Many systems create such a certificate at install \
              time (Debian's Postfix package, for example, starts out with the \"snakeoil\" \
              certificate) and it is often never replaced. Opportunistic MTA-to-MTA TLS still \
              works, because Postfix and Exim senders encrypt without insisting on a valid \
              certificate by default.",
        breaks: "Everything that verifies fails: MTA-STS senders in enforce mode, senders \
                 with certificate verification turned on, Gmail \"send mail as\" (which, \
                 misleadingly, reports \"TLS Negotiation failed, the certificate doesn't match \
                 the host\" for self-signed certificates too), and mail clients such as \
                 Outlook and Thunderbird, which show a certificate warning. Python's \
                 create_default_context() fails with \"certificate verify failed: self-signed \
                 certificate\" (\"self signed certificate\" with OpenSSL 1.1). Java fails with \
                 \"PKIX path building failed: ... unable to find valid certification path to \
                 requested target\", and OpenSSL reports verify error 18.",
        fixes: &[
            Fix {
                software: "Any server",
                text: "Get a certificate from a public CA, e.g. Let's Encrypt:\n\
                       certbot certonly --standalone -d mail.example.com\n\
                       (--standalone needs port 80 reachable from the internet; otherwise use \
                       DNS-01 validation with your DNS provider's certbot plugin). Then \
                       configure the MTA as below and make renewals reload it.",
            },
            Fix {
                software: "Postfix",
                text: "smtpd_tls_chain_files = /etc/letsencrypt/live/mail.example.com/privkey.pem, /etc/letsencrypt/live/mail.example.com/fullchain.pem\n\
                       then `postfix reload` (and put `postfix reload` in a certbot deploy \
                       hook).",
            },
            Fix {
                software: "Exim",
                text: "tls_certificate = /etc/letsencrypt/live/mail.example.com/fullchain.pem\n\
                       tls_privatekey = /etc/letsencrypt/live/mail.example.com/privkey.pem\n\
                       Make sure the Exim user can read the key, then reload Exim.",
            },
            Fix {
                software: "Client",
                text: "Only for a private client you control: trust this exact certificate. \
                       Java: `keytool -importcert -alias mail-selfsigned -file server.pem \
                       -keystore truststore.jks`, then run with \
                       -Djavax.net.ssl.trustStore=truststore.jks (this replaces the default \
                       trust store). Python: \
                       ctx = ssl.create_default_context(cafile=\"server.pem\").",
            },
            Fix {
                software: "Any server",
                text: "For MTA-to-MTA mail, a DANE-EE TLSA record in a DNSSEC-signed zone \
                       authenticates a self-signed certificate for DANE-aware senders (RFC \
                       7672 section 3.1.1):\n\
                       _25._tcp.mail.example.com. IN TLSA 3 1 1 <hash>\n\
                       where <hash> comes from:\n\
                       openssl x509 -in server.pem -noout -pubkey | openssl pkey -pubin -outform DER | openssl sha256\n\
                       This does not help Gmail \"send mail as\", MTA-STS or mail clients.",
            },
        ],
    },
    // Debian ca-certificates / ca-certificates-java; RHEL update-ca-trust(8); JDK keytool;
    // Python ssl module documentation (get_default_verify_paths); certifi.
    FindingDef {
        code: "cert-untrusted",
        severity: Severity::Error,
        title: "The chain ends at a root the checked trust store does not contain",
        why: "The chain is complete, but its root is not in the trust store used for the \
              check. Either the server uses a private or corporate CA that only its own \
              organisation trusts, or the root is public but missing from the client's store: \
              an old ca-certificates bundle, an old JDK cacerts, or a CA that has since been \
              distrusted and removed. Which of the two it is decides who must act: a private \
              CA on a server that strangers connect to needs a public certificate, while an \
              outdated client needs an updated store.",
        breaks: "Clients that use the store in question fail, while others may work. Java: \
                 \"PKIX path building failed: ... unable to find valid certification path to \
                 requested target\". Python: \"certificate verify failed: unable to get local \
                 issuer certificate\", or \"self-signed certificate in certificate chain\" when \
                 the server also sends the unknown root; OpenSSL: verify error 20 or 19. \
                 MTA-STS senders count it as a failed validation and, in enforce mode, do not \
                 deliver.",
        fixes: &[
            Fix {
                software: "Any server",
                text: "If the root is a private or internal CA and the server takes mail from \
                       the internet or from clients you do not manage, replace the certificate \
                       with one from a public CA (e.g. Let's Encrypt: \
                       `certbot certonly --standalone -d mail.example.com`). A private CA is \
                       fine for an internal relay whose clients you give the root to.",
            },
            Fix {
                software: "Postfix",
                text: "smtpd_tls_chain_files = /etc/letsencrypt/live/mail.example.com/privkey.pem, /etc/letsencrypt/live/mail.example.com/fullchain.pem\n\
                       then `postfix reload`.",
            },
            Fix {
                software: "Exim",
                text: "tls_certificate = /etc/letsencrypt/live/mail.example.com/fullchain.pem\n\
                       tls_privatekey = /etc/letsencrypt/live/mail.example.com/privkey.pem\n\
                       then reload Exim.",
            },
            Fix {
                software: "Client",
                text: "If the root is public but missing, update the client's store: \
                       Debian/Ubuntu `apt-get install --only-upgrade ca-certificates` (Java on \
                       Debian uses /etc/ssl/certs/java/cacerts, rebuilt by \
                       ca-certificates-java), RHEL `dnf update ca-certificates`, or a newer \
                       JDK. Python: `python3 -c 'import ssl; \
                       print(ssl.get_default_verify_paths())'` shows the store OpenSSL uses; \
                       programs using certifi (e.g. requests) use certifi's bundle instead: \
                       `pip install -U certifi`. To trust a private root system-wide: Debian \
                       `cp corp-root.crt /usr/local/share/ca-certificates/ && \
                       update-ca-certificates` (the file name must end in .crt); RHEL \
                       `cp corp-root.pem /etc/pki/ca-trust/source/anchors/ && update-ca-trust`.",
            },
            Fix {
                software: "Java keytool",
                text: "Import the missing root into the JDK's store:\n\
                       keytool -importcert -cacerts -alias corp-root -file corp-root.pem\n\
                       (Java 9+; on Java 8: keytool -importcert -trustcacerts -alias corp-root \
                       -file corp-root.pem -keystore $JAVA_HOME/jre/lib/security/cacerts). \
                       The default store password is changeit.",
            },
        ],
    },
    // RFC 5280 sections 4.2.1.9 (basic constraints), 4.2.1.10 (name constraints),
    // 4.2.1.12 (extended key usage), 6.1 (path validation); OpenSSL verify(1) error codes.
    FindingDef {
        code: "cert-chain-invalid",
        severity: Severity::Error,
        title: "The certificate chain can be built but is not valid",
        why: "All certificates are present and the root is trusted, yet the chain breaks a \
              rule: a certificate that signs another is not marked as a CA (basic \
              constraints), a path length or name constraint is violated, the server \
              certificate lacks the serverAuth extended key usage, or a signature does not \
              verify. This usually comes from a home-made CA, a certificate issued from the \
              wrong profile (for example a client or S/MIME certificate), or an intermediate \
              swapped for a different one with the same name. Only the issuer can fix it, by \
              issuing a correct certificate.",
        breaks: "Every verifying client rejects the chain. OpenSSL and Python report verify \
                 errors such as \"invalid CA certificate\" (24), \"path length constraint \
                 exceeded\" (25), \"unsupported certificate purpose\" (26), \"certificate \
                 signature failure\" (7) or \"permitted subtree violation\" (47). Java fails \
                 with \"PKIX path validation failed\" or, for a missing serverAuth usage, \
                 \"Extended key usage does not permit use for TLS server authentication\".",
        fixes: &[
            Fix {
                software: "Any server",
                text: "Find the faulty certificate:\n\
                       openssl s_client -connect mail.example.com:25 -starttls smtp -showcerts </dev/null\n\
                       Save the first certificate as leaf.pem and the others as chain.pem, \
                       then:\n\
                       openssl verify -show_chain -untrusted chain.pem leaf.pem\n\
                       openssl x509 -in leaf.pem -noout -ext basicConstraints,extendedKeyUsage\n\
                       Ask the CA for a correctly issued certificate or its current \
                       intermediates. For a home-made CA, reissue with CA:TRUE in the CA \
                       certificate and extendedKeyUsage = serverAuth in the server \
                       certificate.",
            },
            Fix {
                software: "Postfix",
                text: "Install the reissued certificate with the CA's current intermediates:\n\
                       smtpd_tls_chain_files = /etc/postfix/mail-key.pem, /etc/postfix/mail-fullchain.pem\n\
                       then `postfix reload`.",
            },
            Fix {
                software: "Exim",
                text: "Point tls_certificate at the reissued certificate followed by the \
                       current intermediates (leaf first) and tls_privatekey at its key, then \
                       reload Exim.",
            },
        ],
    },
    // RFC 5280 section 4.1.2.5 (validity); RFC 7672 section 3.1.1 (DANE-EE ignores dates);
    // certbot documentation (renew, deploy hooks).
    FindingDef {
        code: "cert-expired",
        severity: Severity::Error,
        title: "A certificate in the chain has expired",
        why: "The server's certificate, or an intermediate it still sends, is past its \
              notAfter date. With automated certificates this usually means that renewal has \
              been failing, or that renewal worked but the mail server was never reloaded and \
              still serves the old certificate from memory. An expired intermediate can also \
              linger in a hand-made chain file long after the CA replaced it.",
        breaks: "Verifying peers fail: MTA-STS senders defer the mail and mail clients warn or \
                 refuse (senders authenticating with a DANE-EE record ignore the dates, RFC \
                 7672 section 3.1.1). Python: \"certificate verify failed: certificate has \
                 expired\"; Java: \"CertificateExpiredException: NotAfter: ...\" inside a \
                 \"PKIX path validation failed\" error; OpenSSL: verify error 10 \"certificate \
                 has expired\". Old OpenSSL 1.0.x clients can fail on an expired certificate \
                 in the chain even when a valid alternative path exists, as many did when DST \
                 Root CA X3 expired in September 2021.",
        fixes: &[
            Fix {
                software: "Any server",
                text: "Renew, and check the automation: `certbot renew` (rehearse with \
                       `certbot renew --dry-run`), `systemctl list-timers | grep certbot` for \
                       the renewal timer, /var/log/letsencrypt/letsencrypt.log for errors. \
                       Make every renewal reload the MTA with an executable deploy hook, e.g. \
                       /etc/letsencrypt/renewal-hooks/deploy/reload-mail:\n\
                       #!/bin/sh\n\
                       systemctl reload postfix\n\
                       If the file on disk is new but the server still presents the old \
                       certificate, the reload is what is missing.",
            },
            Fix {
                software: "Postfix",
                text: "After renewal run `postfix reload`. If the expired certificate is an \
                       intermediate, rebuild the chain file with the CA's current \
                       intermediate (with Let's Encrypt, point smtpd_tls_chain_files at the \
                       renewed live/.../fullchain.pem).",
            },
            Fix {
                software: "Exim",
                text: "Point tls_certificate at the renewed file (with Let's Encrypt, \
                       /etc/letsencrypt/live/mail.example.com/fullchain.pem, which renewal \
                       updates through the live/ symlinks) and reload or restart Exim after \
                       each renewal, e.g. `systemctl reload exim4` in the deploy hook.",
            },
        ],
    },
    // RFC 5280 section 4.1.2.5 (validity); OpenSSL verify(1) error 9.
    FindingDef {
        code: "cert-not-yet-valid",
        severity: Severity::Error,
        title: "A certificate is not valid yet (its notBefore date is in the future)",
        why: "The certificate's validity period starts after the current time as seen by the \
              checker. Either a clock is wrong (on the machine running this check, or on the \
              machine that created a self-made certificate), or a certificate was installed \
              before its start date. Compare the notBefore date shown here with the real time \
              before changing anything.",
        breaks: "Verifying peers fail until the date is reached: Python \"certificate verify \
                 failed: certificate is not yet valid\", Java \
                 \"CertificateNotYetValidException: NotBefore: ...\", OpenSSL verify error 9 \
                 \"certificate is not yet valid\". A client whose own clock runs behind sees \
                 the same error with a perfectly good certificate.",
        fixes: &[
            Fix {
                software: "Any server",
                text: "Check the clocks, here and on the server: `timedatectl` should show \
                       \"System clock synchronized: yes\"; turn on NTP with \
                       `timedatectl set-ntp true` (or check `chronyc tracking` where chrony is \
                       used). If the clocks are right, the certificate really is premature: \
                       reissue it, or put the previous valid certificate back until then.",
            },
            Fix {
                software: "Postfix",
                text: "After installing a currently valid certificate:\n\
                       smtpd_tls_chain_files = /etc/postfix/mail-key.pem, /etc/postfix/mail-fullchain.pem\n\
                       then `postfix reload`.",
            },
            Fix {
                software: "Exim",
                text: "Point tls_certificate and tls_privatekey at the currently valid \
                       certificate and key, then reload Exim.",
            },
        ],
    },
    // certbot documentation (renewal, deploy hooks).
    FindingDef {
        code: "cert-expires-soon",
        severity: Severity::Warning,
        title: "The certificate expires soon",
        why: "The server's certificate, or an intermediate it sends, expires within the \
              warning window (21 days by default; change it with --expiry-warn-days). Nothing \
              fails yet, but everything that verifies will fail on the expiry date. certbot \
              normally renews Let's Encrypt's certificates about 30 days ahead, so a \
              certificate this close to expiry usually means renewal is failing or the server \
              was not reloaded after it.",
        breaks: "Nothing breaks today. From the expiry date on, verifying senders (MTA-STS), \
                 Gmail \"send mail as\" and mail clients fail as described under cert-expired, \
                 e.g. Python's \"certificate verify failed: certificate has expired\".",
        fixes: &[
            Fix {
                software: "Any server",
                text: "Renew now (`certbot renew`) and find out why automation did not: \
                       `certbot renew --dry-run`, /var/log/letsencrypt/letsencrypt.log, \
                       `systemctl list-timers | grep certbot`. Then make sure the renewed \
                       certificate is actually served (reload the MTA, see below).",
            },
            Fix {
                software: "Postfix",
                text: "Reload Postfix after each renewal with an executable deploy hook, e.g. \
                       /etc/letsencrypt/renewal-hooks/deploy/postfix:\n\
                       #!/bin/sh\n\
                       postfix reload",
            },
            Fix {
                software: "Exim",
                text: "Reload or restart Exim after each renewal from a certbot deploy hook, \
                       e.g. `systemctl reload exim4`.",
            },
        ],
    },
    // RFC 6125 section 6.4.3 (wildcards); RFC 8461 section 4.2 (MTA-STS certificate
    // validation); RFC 7672 section 3.1.2 (DANE-TA name checks); Postfix postconf(5)
    // (tls_server_sni_maps); Exim specification ($tls_in_sni).
    FindingDef {
        code: "cert-name-mismatch",
        severity: Severity::Error,
        title: "The certificate does not cover the host name that peers check",
        why: "None of the certificate's subject alternative names matches the name a \
              verifying peer checks. For an MX that is the MX host name from DNS (what \
              MTA-STS, RFC 8461 section 4.2, and DANE-TA, RFC 7672 section 3.1.2, check); for \
              submission it is the server name configured in the mail client; for Gmail \
              \"send mail as\" it is the SMTP server entered in Gmail. A wildcard covers \
              exactly one leftmost label (RFC 6125 section 6.4.3): *.example.com matches \
              mail.example.com but neither example.com nor a.mail.example.com. Connecting by \
              IP address fails the check unless the certificate lists that address.",
        breaks: "Gmail \"send mail as\" reports \"TLS Negotiation failed, the certificate \
                 doesn't match the host\". Java: \"java.security.cert.CertificateException: No \
                 subject alternative DNS name matching mail.example.com found.\" Python: \
                 \"certificate verify failed: Hostname mismatch, certificate is not valid for \
                 'mail.example.com'.\" MTA-STS senders in enforce mode do not deliver, while \
                 opportunistic MTAs that do not verify keep working, which is why this can go \
                 unnoticed.",
        fixes: &[
            Fix {
                software: "Any server",
                text: "Reissue the certificate with every name clients use as a subject \
                       alternative name, e.g.\n\
                       certbot certonly --standalone -d mx.example.com -d smtp.example.com\n\
                       or point the MX record and client settings at a name the certificate \
                       already covers.",
            },
            Fix {
                software: "Postfix",
                text: "One certificate with all names is simplest. For a certificate per name \
                       (Postfix 3.4+), keep a default (smtpd_tls_chain_files) that covers the \
                       MX name, since many sending MTAs send no SNI, and add:\n\
                       tls_server_sni_maps = hash:/etc/postfix/sni_maps\n\
                       # /etc/postfix/sni_maps\n\
                       smtp.example.com /etc/letsencrypt/live/smtp.example.com/privkey.pem /etc/letsencrypt/live/smtp.example.com/fullchain.pem\n\
                       then `postmap -F hash:/etc/postfix/sni_maps` and `postfix reload`.",
            },
            Fix {
                software: "Exim",
                text: "Choose the certificate by SNI:\n\
                       tls_certificate = ${if eq{$tls_in_sni}{smtp.example.com}{/etc/exim4/smtp.example.com.crt}{/etc/exim4/mx.example.com.crt}}\n\
                       tls_privatekey = ${if eq{$tls_in_sni}{smtp.example.com}{/etc/exim4/smtp.example.com.key}{/etc/exim4/mx.example.com.key}}\n\
                       Exim expands these again once the client's SNI has arrived; the \
                       default branch must cover the MX name for senders that send no SNI.",
            },
            Fix {
                software: "Client",
                text: "Configure the client with the name on the certificate, not an IP \
                       address or another alias of the host. Keep hostname checking on (for \
                       example, do not set check_hostname = False in Python) rather than \
                       making the error go away.",
            },
        ],
    },
    // OpenSSL 3.2 release notes (default security level 2); OpenSSL SSL_CTX_set_security_level(3);
    // JDK java.security (jdk.certpath.disabledAlgorithms); RFC 8446 (no DSA in TLS 1.3).
    FindingDef {
        code: "cert-weak-key",
        severity: Severity::Error,
        title: "The certificate's key is too weak (RSA below 2048 bits, or DSA)",
        why: "The server certificate, or an intermediate, uses an RSA key shorter than 2048 \
              bits or a DSA key. Public CAs have not issued RSA keys below 2048 bits for about \
              a decade, so such a certificate is usually very old or home-made. Current TLS \
              libraries refuse these keys by default, and TLS 1.3 does not support DSA at all.",
        breaks: "Clients on OpenSSL at security level 2 (the default on Debian and Ubuntu, and \
                 in OpenSSL 3.2 and later) reject RSA keys below 2048 bits: Python shows \
                 \"certificate verify failed: EE certificate key too weak\" (OpenSSL verify \
                 error 66; 67 \"CA certificate key too weak\" for an intermediate). The same \
                 rule can stop the server itself: an MTA linked against such an OpenSSL \
                 refuses to load the key (\"ee key too small\" in the mail log), and Postfix \
                 then answers STARTTLS with 454. Java rejects RSA keys below 1024 bits \
                 (\"RSA keySize < 1024\" in jdk.certpath.disabledAlgorithms) with an \
                 \"Algorithm constraints check failed\" error.",
        fixes: &[
            Fix {
                software: "Any server",
                text: "Create a new key and get a new certificate for it:\n\
                       openssl req -new -newkey rsa:2048 -nodes -keyout mail-key.pem -out mail.csr -subj \"/CN=mail.example.com\" -addext \"subjectAltName=DNS:mail.example.com\"\n\
                       or with certbot:\n\
                       certbot certonly --standalone --key-type ecdsa -d mail.example.com\n\
                       (or --key-type rsa --rsa-key-size 4096).",
            },
            Fix {
                software: "Postfix",
                text: "Serve the new key and chain:\n\
                       smtpd_tls_chain_files = /etc/postfix/mail-key.pem, /etc/postfix/mail-fullchain.pem\n\
                       then `postfix reload`. smtpd_tls_chain_files can list an RSA and an \
                       ECDSA key/chain pair side by side if old clients need RSA.",
            },
            Fix {
                software: "Exim",
                text: "Point tls_certificate and tls_privatekey at the new certificate chain \
                       and key, then reload Exim.",
            },
        ],
    },
    // OpenSSL 3.0 migration guide (SHA-1 certificate signatures refused at security level 1);
    // Go 1.18 release notes (crypto/x509 rejects SHA-1 signatures); JDK java.security
    // (jdk.certpath.disabledAlgorithms).
    FindingDef {
        code: "cert-weak-signature",
        severity: Severity::Error,
        title: "A certificate in the chain is signed with SHA-1 or MD5",
        why: "A certificate in the chain, other than a self-signed root, carries a signature \
              made with SHA-1 or MD5. Both hash functions have practical collision attacks, so \
              such signatures can be forged, and public CAs stopped using them years ago. The \
              signature on a self-signed root does not matter, because nobody checks it; the \
              certificates below it are what counts.",
        breaks: "Python and other clients on OpenSSL 3 reject SHA-1 signatures even at the \
                 default security level 1: \"certificate verify failed: CA signature digest \
                 algorithm too weak\" (OpenSSL verify error 68). Go since 1.18 rejects \
                 SHA-1-signed certificates (\"x509: cannot verify signature: insecure \
                 algorithm SHA1-RSA\"). Current JDKs reject MD5 everywhere, and SHA-1 in TLS \
                 server chains that end at a root shipped with the JDK.",
        fixes: &[
            Fix {
                software: "Any server",
                text: "Get the certificate reissued with SHA-256: from a public CA, simply \
                       renew; if only an intermediate is SHA-1, fetch the CA's current \
                       SHA-256 intermediate. For a private CA, sign with -sha256, e.g. \
                       (OpenSSL 3):\n\
                       openssl x509 -req -sha256 -in mail.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 -copy_extensions copy -out mail.pem\n\
                       Check each certificate with \
                       `openssl x509 -in cert.pem -noout -text | grep 'Signature Algorithm'`.",
            },
            Fix {
                software: "Postfix",
                text: "Install the reissued certificate and current intermediates:\n\
                       smtpd_tls_chain_files = /etc/postfix/mail-key.pem, /etc/postfix/mail-fullchain.pem\n\
                       then `postfix reload`.",
            },
            Fix {
                software: "Exim",
                text: "Point tls_certificate at the reissued certificate followed by the \
                       current intermediates, then reload Exim.",
            },
        ],
    },
    // CVE-2011-0411 and CERT VU#555316 (2011-03-07: plaintext command injection after STARTTLS
    // in Postfix, Ipswitch IMail, Kerio, Oracle, qmail-smtpd TLS patches, Cyrus and others;
    // the qmail mailing list, June 2011, on the fix for netqmail-1.06-tls);
    // Wietse Venema's announcement "Postfix STARTTLS plaintext injection" (fixed in 2.8.0 and
    // the patch releases 2.7.3, 2.6.9, 2.5.12, 2.4.16); RFC 3207 section 4.2 (the client must
    // discard what it knew before TLS; the server its pending input). Severity error: a
    // man-in-the-middle can run commands inside the session both ends believe protected (say,
    // a RCPT TO of its own in every TLS session), which is what TLS on this port is for.
    FindingDef {
        code: "starttls-injection",
        severity: Severity::Error,
        title: "Commands pipelined after STARTTLS run inside the TLS session",
        why: "The server keeps the bytes that arrive after the STARTTLS command in its input \
              buffer and executes them once TLS is up, as if the client had sent them over \
              TLS. The probe sent STARTTLS and RSET in one packet and got the reply to RSET \
              inside the encrypted session. This is the plaintext command injection flaw of \
              CVE-2011-0411, found in Postfix before 2.8.0 and in many other servers' TLS \
              code of the time (CERT VU#555316; in Postfix from 2.2 on): the buffered input \
              should be thrown away when TLS starts.",
        breaks: "No delivery fails. Anyone on the path (an open Wi-Fi, a compromised router) \
                 can append plaintext commands to a client's STARTTLS and have them executed \
                 in the session the client then protects with TLS: for example a MAIL FROM \
                 and RCPT TO of the attacker's, which makes the client's message go where the \
                 attacker wants, or an AUTH exchange that captures the client's credentials \
                 in a later reply. The client cannot see it happen. Every sender using \
                 STARTTLS with this server is exposed, including those that verify the \
                 certificate (MTA-STS, DANE).",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "Upgrade Postfix: 2.8.0 and later discard input pipelined after \
                       STARTTLS, as do the patch releases 2.7.3, 2.6.9, 2.5.12 and 2.4.16 \
                       (`postconf mail_version` prints the running version). Every supported \
                       Postfix is fixed; a server this old also lacks years of other fixes.",
            },
            Fix {
                software: "Exim",
                text: "Exim discards input pipelined after STARTTLS (it was not affected by \
                       CVE-2011-0411): if this is an Exim, something in front of it (a proxy \
                       or a filter that terminates SMTP) has the flaw. Check with `exim -bV` \
                       which binary answers, and look for a proxy on the path.",
            },
            Fix {
                software: "qmail",
                text: "qmail-smtpd has no STARTTLS of its own: it comes from the TLS patch it \
                       was built with (netqmail-1.06-tls, the qmail-1.03 TLS patch), whose \
                       releases before the 2011 fix carry this flaw. Rebuild qmail-smtpd with \
                       the current release of that patch (or of the patch collection that \
                       includes it) and restart it.",
            },
            Fix {
                software: "Any server",
                text: "Upgrade the mail server, or the proxy or filter that terminates SMTP in \
                       front of it, to a release that empties its input buffer when TLS \
                       starts (the vendors' fixes for CVE-2011-0411 date from March 2011). \
                       Then run the check again: the RSET must get no reply inside TLS.",
            },
        ],
    },
    // RFC 3207 section 4.2 (discard pre-TLS knowledge, EHLO again); CVE-2011-0411 (Postfix
    // STARTTLS plaintext command injection, the server-side counterpart).
    FindingDef {
        code: "starttls-extra-bytes",
        severity: Severity::Warning,
        title: "The server sent extra data after its reply to STARTTLS",
        why: "After the 220 reply to STARTTLS, a server must stay silent until the client \
              starts the TLS handshake, but this one sent more bytes first. That points to a \
              buggy MTA, a proxy or firewall that rewrites the session, or someone injecting \
              data into the unencrypted part of the connection. A client that keeps such bytes \
              and later reads them as if they had come over TLS can be fooled by injected \
              replies; this is the mirror image of the STARTTLS command injection flaw found in \
              Postfix and other servers in 2011 (CVE-2011-0411 for Postfix).",
        breaks: "Strict clients abort because the extra bytes are not a valid TLS record \
                 (Python, for example: \"[SSL: WRONG_VERSION_NUMBER] wrong version number\" or \
                 a similar record-layer error); lenient clients carry on, and a client with \
                 the buffering flaw may act on injected replies. The failure may come and go \
                 if a middlebox only interferes some of the time.",
        fixes: &[
            Fix {
                software: "Any server",
                text: "Find what adds the bytes: capture the same session on the server and \
                       from outside (`tcpdump -i any -w starttls.pcap port 25`) and compare. \
                       Check load balancers, SMTP proxies and firewalls with SMTP inspection on \
                       the path, and switch such inspection off or fix the proxy.",
            },
            Fix {
                software: "Postfix",
                text: "Run a supported Postfix release (`postconf mail_version` shows the \
                       running one). A working Postfix sends nothing after \
                       \"220 2.0.0 Ready to start TLS\" until the handshake begins, so extra \
                       bytes seen from outside come from something in between.",
            },
            Fix {
                software: "Exim",
                text: "Run a supported Exim release (`exim -bV` shows the version). Exim's \
                       reply is \"220 TLS go ahead\" and nothing should follow it before the \
                       handshake.",
            },
            Fix {
                software: "Client",
                text: "Clients must throw away anything read before the handshake and, as RFC \
                       3207 section 4.2 requires, forget what they learned before TLS and send \
                       EHLO again. Keep mail clients and TLS libraries up to date.",
            },
        ],
    },
    // RFC 8314 section 4.2 and RFC 6125 (a client must check the certificate and the name);
    // CPython issue #91826 and the smtplib / ssl documentation (starttls() without a context
    // does not verify; ssl.create_default_context()); the JavaMail / Jakarta Mail SMTP provider
    // documentation (mail.smtp.ssl.checkserveridentity, mail.smtp.ssl.trust); PHPMailer's
    // troubleshooting guide (SMTPOptions verify_peer).
    FindingDef {
        code: "client-skips-verification",
        severity: Severity::Error,
        title: "The client does not verify the server's certificate",
        why: "The application completed the TLS handshake with a certificate it should have \
              refused (one made for another name, a self-signed one, or an expired one) and \
              then went on to log in or to send mail. It does not check the server's \
              certificate, so anyone who can get between it and the mail server (a hostile \
              network, a compromised router, a spoofed DNS answer) can present any certificate, \
              read the password and the mail, and change them. Several libraries do not verify \
              when asked for STARTTLS unless told to: Python's smtplib.starttls() and \
              smtplib.SMTP_SSL without a context, and JavaMail, which checks the chain but not \
              the host name unless mail.smtp.ssl.checkserveridentity is true. Just as often \
              verification was switched off by hand to get past an error: PHPMailer's \
              verify_peer false, mail.smtp.ssl.trust=*, Node.js rejectUnauthorized false, Go's \
              InsecureSkipVerify.",
        breaks: "Nothing fails, and that is the problem: mail goes out, and the password is \
                 sent to whatever answers. `smtp-tls-doctor client --verify-test` shows which \
                 certificate the application accepted and what it sent next (AUTH or MAIL \
                 FROM). Once verification is on, the application refuses a server with a bad \
                 certificate, as it should, with errors such as Python's \
                 \"ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED]\", Java's \
                 \"PKIX path building failed\" or \"No subject alternative DNS name matching\", \
                 or PHPMailer's \"SMTP Error: Could not connect to SMTP host\" with \
                 \"certificate verify failed\" in its debug output. A server with a private CA \
                 then needs that CA added to the client's trust, not verification switched \
                 off again.",
        fixes: &[
            Fix {
                software: "Python ssl",
                text: "Pass a verifying context to smtplib:\n\
                       import smtplib, ssl\n\
                       ctx = ssl.create_default_context()   # or create_default_context(cafile=\"private-ca.pem\")\n\
                       s = smtplib.SMTP(\"mail.example.com\", 587)\n\
                       s.starttls(context=ctx)\n\
                       and smtplib.SMTP_SSL(\"mail.example.com\", 465, context=ctx) for port \
                       465. Connect with the name the certificate carries, not an IP address, \
                       and never set ctx.check_hostname = False or ctx.verify_mode = \
                       ssl.CERT_NONE.",
            },
            Fix {
                software: "Java keytool",
                text: "JavaMail / Jakarta Mail: set\n\
                       mail.smtp.ssl.checkserveridentity=true\n\
                       (Spring Boot: spring.mail.properties.mail.smtp.ssl.checkserveridentity=true; \
                       for implicit TLS with the smtps protocol: \
                       mail.smtps.ssl.checkserveridentity=true), and do not set \
                       mail.smtp.ssl.trust=* (it trusts every certificate) nor a \
                       TrustManager that accepts everything. For a private CA, import it \
                       instead:\n\
                       keytool -importcert -alias mail-ca -file private-ca.pem -keystore mail-truststore.p12 -storetype PKCS12\n\
                       and start the JVM with -Djavax.net.ssl.trustStore=mail-truststore.p12.",
            },
            Fix {
                software: "Client",
                text: "PHPMailer: remove SMTPOptions that switch verification off \
                       ('verify_peer' => false, 'verify_peer_name' => false, \
                       'allow_self_signed' => true); PHP verifies by default. For a private \
                       CA, keep verification on and name the CA file:\n\
                       $mail->SMTPOptions = ['ssl' => ['verify_peer' => true, 'verify_peer_name' => true, 'cafile' => '/etc/ssl/private-ca.pem']];",
            },
            Fix {
                software: "Client",
                text: "Any other client: turn certificate and host-name verification on, and \
                       trust a private CA by adding it rather than by accepting everything \
                       (remove Node.js/nodemailer tls: { rejectUnauthorized: false }, Go \
                       tls.Config{InsecureSkipVerify: true}, .NET \
                       ServerCertificateValidationCallback returning true, curl -k / \
                       --insecure). Then run `smtp-tls-doctor client --verify-test` again: \
                       the application must refuse all three certificates.",
            },
        ],
    },
    // RFC 6066 section 3 (SNI); Postfix TLS_README ("Server-side SNI"), smtp_tls_servername;
    // Exim spec, tls_sni and the $tls_in_sni expansion.
    FindingDef {
        code: "sni-cert-differs",
        severity: Severity::Warning,
        title: "Without SNI the server presents a different certificate",
        why: "The server chooses its certificate by the name the client sends in SNI (Postfix \
              tls_server_sni_maps, Exim tls_certificate expanded on $tls_in_sni), and a client that \
              sends no SNI gets the default one, which does not match what SNI clients see. Many \
              MTAs send no SNI when they deliver mail: Postfix only does with smtp_tls_servername \
              set (or DANE), Exim only with tls_sni on the smtp transport.",
        breaks: "Opportunistic senders do not check the certificate and deliver anyway, so the \
                 problem stays hidden until a sender verifies: a Postfix with smtp_tls_security_level \
                 = verify or secure logs \"Server certificate not verified\" or a name mismatch, and \
                 checkers that connect without SNI report the default certificate's name.",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "Make the default the certificate for the MX name: smtpd_tls_chain_files (used \
                       without SNI) should hold the chain that covers the name in the MX record, and \
                       tls_server_sni_maps only the extra names. Then `postfix reload`.",
            },
            Fix {
                software: "Exim",
                text: "Give the tls_certificate expansion a default branch with the MX name's \
                       certificate, e.g.\ntls_certificate = ${if exists{/etc/exim4/certs/${tls_in_sni}.pem}{/etc/exim4/certs/${tls_in_sni}.pem}{/etc/exim4/certs/mx.example.com.pem}}",
            },
            Fix {
                software: "Any server",
                text: "Check the default with `smtp-tls-doctor check HOST --no-sni`: its certificate \
                       should cover the MX host name.",
            },
        ],
    },
    // ---- Mail domains: MX, MTA-STS (RFC 8461), DANE (RFC 7672), TLS-RPT (RFC 8460) ----
    FindingDef {
        code: "mx-host-invalid",
        severity: Severity::Error,
        title: "An MX record points at something senders cannot use",
        why: "Each MX record must name a host that has an address (RFC 5321 §5.1). This one names an IP address written as a host name (\"10 192.0.2.1.\"), or a host with no A or AAAA record, or one whose lookup fails. Senders skip the entry; with no usable MX left, mail to the domain is deferred and then bounced.",
        breaks: "Every sender: Postfix logs \"Host or domain name not found\" or \"MX host ... has no address\", Exim \"all relevant MX records point to non-existent hosts\", Gmail bounces with \"DNS Error: ... no MX\".",
        fixes: &[Fix {
            software: "DNS zone",
            text: "Point the MX at a host name that has A/AAAA records, e.g.\nexample.com.  IN MX 10 mx1.example.com.\nmx1.example.com. IN A 192.0.2.10\n(never \"IN MX 10 192.0.2.10.\").",
        }],
    },
    FindingDef {
        code: "mx-unreachable",
        severity: Severity::Error,
        title: "An MX host cannot be reached on any of its addresses",
        why: "Every address of this MX host failed before TLS could be judged: the connection was refused or timed out, or the server did not greet. Senders try the next MX, and queue the mail when none answers.",
        breaks: "Mail is delayed while senders retry this host (Postfix \"connect to ...: Connection refused\" or \"timed out\"); when it is the only MX, mail is queued and bounced after days.",
        fixes: &[Fix {
            software: "Any server",
            text: "Make the SMTP server listen on port 25 on every address the MX host has in DNS (Postfix: inet_interfaces = all; Exim: local_interfaces), open the firewall, or remove the dead address or MX record.",
        }],
    },
    FindingDef {
        code: "mx-null",
        severity: Severity::Note,
        title: "The domain publishes a null MX: it accepts no mail",
        why: "A single MX record \"0 .\" (RFC 7505) says the domain receives no mail at all. Senders bounce at once instead of trying the domain's A record.",
        breaks: "Nobody can send mail to the domain; that is what a null MX means. Senders bounce with \"Domain does not accept mail\" (Postfix: \"nullMX\").",
        fixes: &[Fix {
            software: "DNS zone",
            text: "If the domain should receive mail, replace \"IN MX 0 .\" with real MX records.",
        }],
    },
    FindingDef {
        code: "mx-implicit",
        severity: Severity::Warning,
        title: "The domain has no MX record: senders use its own address",
        why: "Without MX records, RFC 5321 §5.1 makes senders deliver to the domain name's own A/AAAA address (the implicit MX). It works, but MTA-STS and DANE checks then apply to the domain name itself, and many operators did not mean to receive mail on their web server's address.",
        breaks: "Mail goes to the web server's address; when nothing listens on port 25 there, senders queue and bounce. Some strict senders treat a missing MX as a sign of a domain that does not take mail.",
        fixes: &[Fix {
            software: "DNS zone",
            text: "Publish an MX record for the mail server (example.com. IN MX 10 mx1.example.com.), or a null MX (example.com. IN MX 0 .) if the domain takes no mail.",
        }],
    },
    FindingDef {
        code: "no-mx-record",
        severity: Severity::Note,
        title: "The name has no MX record: it was checked as one mail server",
        why: "A bare name with MX records is checked as a mail domain (every MX host, MTA-STS, DANE, TLS-RPT); this one has none, so it was checked as a single server. Without MX records, RFC 5321 §5.1 makes senders deliver mail for the name to its own A/AAAA address (the implicit MX): this host is where its mail goes, and the domain-wide checks were not made.",
        breaks: "Nothing fails because of it. If the name is meant to receive mail, senders use its own address; if another host was meant to, the MX record is missing.",
        fixes: &[Fix {
            software: "DNS zone",
            text: "If the name should receive mail on another host, publish its MX record (example.com. IN MX 10 mx1.example.com.); if it takes no mail, a null MX (example.com. IN MX 0 .). To check its implicit MX, MTA-STS, DANE and TLS-RPT, check the name as a mail domain.",
        }],
    },
    FindingDef {
        code: "mx-address-failed",
        severity: Severity::Warning,
        title: "One address of an MX host fails while its others work",
        why: "The MX host has several addresses (often IPv4 and IPv6) and at least one of them does not answer SMTP, or fails STARTTLS, while another works. Senders that pick the broken address (IPv6 first, for many) must retry on another one or another MX.",
        breaks: "Delays for senders that try the broken address first: Postfix logs \"connect to [2001:db8::25]:25: Connection refused\" and moves on; senders without IPv4 fallback defer the mail.",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "Listen on every address: inet_protocols = all and inet_interfaces = all in main.cf, then `postfix reload`; or remove the AAAA/A record of the address that does not serve mail.",
            },
            Fix {
                software: "Exim",
                text: "Listen on every address: local_interfaces = <; 0.0.0.0 ; ::0 (or leave it unset) and disable_ipv6 = false; or remove the address record that does not serve mail.",
            },
        ],
    },
    FindingDef {
        code: "mx-inconsistent",
        severity: Severity::Warning,
        title: "The MX hosts differ in TLS support or certificates",
        why: "Senders pick any MX of the same preference, and the next preference when the first fails, so the domain's protection is that of its weakest MX. Here the MX hosts (or the addresses of one host) differ: one offers STARTTLS and another not, they serve different protocol versions, or one certificate is valid for its name and another is not.",
        breaks: "Delivery depends on which MX a sender reaches: a strict sender (MTA-STS enforce, DANE) fails on the weak one; an opportunistic one delivers without TLS or with an unverified certificate there.",
        fixes: &[Fix {
            software: "Any server",
            text: "Give every MX host the same TLS setup: STARTTLS on, TLS 1.2 and 1.3, a certificate chain valid for that host's own MX name. Backup MX hosts run by another provider need the same.",
        }],
    },
    FindingDef {
        code: "mta-sts-txt-invalid",
        severity: Severity::Error,
        title: "The _mta-sts TXT record is invalid, so senders ignore MTA-STS",
        why: "MTA-STS starts with exactly one TXT record \"v=STSv1; id=...;\" at _mta-sts.DOMAIN (RFC 8461 §3.1). Here it is malformed, there are several, or the lookup failed: senders then act as if the domain had no policy, or keep a cached one that never updates.",
        breaks: "Gmail, Microsoft 365, Yahoo and other MTA-STS senders do not apply (or do not refresh) the policy; mail falls back to opportunistic TLS that an attacker can strip.",
        fixes: &[Fix {
            software: "DNS zone",
            text: "Publish exactly one record:\n_mta-sts.example.com. IN TXT \"v=STSv1; id=20261125T000000;\"\n(id: 1 to 32 letters or digits; change it whenever the policy changes).",
        }],
    },
    FindingDef {
        code: "mta-sts-policy-unreachable",
        severity: Severity::Error,
        title: "The MTA-STS TXT record exists but the policy cannot be fetched",
        why: "When _mta-sts.DOMAIN announces a policy, senders fetch https://mta-sts.DOMAIN/.well-known/mta-sts.txt (RFC 8461 §3.3). That failed: no address, no HTTPS server, a status other than 200, or a redirect (which senders must not follow).",
        breaks: "Senders without a cached policy treat the domain as having none, so MTA-STS protects nothing; senders with a cached one keep using the old policy until it expires.",
        fixes: &[Fix {
            software: "Web server",
            text: "Serve the file over HTTPS at exactly https://mta-sts.example.com/.well-known/mta-sts.txt with status 200 (no redirect), Content-Type text/plain, from a host whose certificate is valid for mta-sts.example.com; give mta-sts.example.com an A/AAAA record.",
        }],
    },
    FindingDef {
        code: "mta-sts-policy-cert-invalid",
        severity: Severity::Error,
        title: "The MTA-STS policy host's certificate is not valid",
        why: "Senders fetch the policy over HTTPS with full certificate validation (RFC 8461 §3.3): a trusted chain, valid dates, and the name mta-sts.DOMAIN. The policy host fails that, so senders cannot fetch the policy.",
        breaks: "Senders treat the domain as having no policy (or keep a cached one): MTA-STS stops protecting the domain, silently.",
        fixes: &[Fix {
            software: "Web server",
            text: "Install a certificate from a public CA that covers mta-sts.example.com, with its intermediate certificates (e.g. certbot certonly -d mta-sts.example.com, then fullchain.pem in the web server).",
        }],
    },
    FindingDef {
        code: "mta-sts-policy-invalid",
        severity: Severity::Error,
        title: "The MTA-STS policy file is invalid",
        why: "The policy must be a text/plain file of \"key: value\" lines (RFC 8461 §3.2): version: STSv1, mode: enforce, testing or none, max_age in seconds (at most 31557600), and one mx: line per MX pattern. This one breaks those rules, so senders discard it.",
        breaks: "Senders treat the domain as having no policy; in enforce mode that silently turns MTA-STS off.",
        fixes: &[Fix {
            software: "Web server",
            text: "Serve it with Content-Type: text/plain and CRLF line endings, e.g.\nversion: STSv1\nmode: enforce\nmx: mx1.example.com\nmx: *.mail.example.com\nmax_age: 604800",
        }],
    },
    FindingDef {
        code: "mta-sts-policy-nonstandard",
        severity: Severity::Warning,
        title: "The MTA-STS policy deviates from RFC 8461 in ways senders tolerate",
        why: "The policy parses, but bends the format: bare LF line endings instead of CRLF, unknown fields, a very short max_age, or trailing spaces. Lenient senders accept it; a strict one may not, and a short max_age weakens the protection between fetches.",
        breaks: "Nothing fails with the common senders today; a strict parser may discard the policy, and a max_age of hours lets a downgrade attacker wait for the cache to expire.",
        fixes: &[Fix {
            software: "Web server",
            text: "Write the file with CRLF line endings (unix2dos mta-sts.txt) and a max_age of one to several weeks (604800 to 31557600).",
        }],
    },
    FindingDef {
        code: "mta-sts-testing",
        severity: Severity::Note,
        title: "The MTA-STS policy is in testing mode: nothing is enforced",
        why: "With mode: testing, senders that support MTA-STS fetch the policy and report failures through TLS-RPT, but still deliver when TLS or the certificate fails (RFC 8461 §5). It is the right first step; enforce is the goal.",
        breaks: "Nothing fails; mail is not protected against downgrade yet.",
        fixes: &[Fix {
            software: "Web server",
            text: "Once the TLS-RPT reports show no failures, change the policy to mode: enforce and change the id in the _mta-sts TXT record.",
        }],
    },
    FindingDef {
        code: "mta-sts-mx-not-covered",
        severity: Severity::Error,
        title: "An MX host is not covered by the MTA-STS policy's mx patterns",
        why: "Senders applying the policy only deliver to MX hosts that match one of its mx: lines (RFC 8461 §4.1; \"*.example.com\" covers exactly one more label). This MX does not match any, so it counts as an invalid MX.",
        breaks: "In enforce mode, senders such as Gmail and Microsoft 365 refuse to deliver to this MX (and defer when no other MX is valid); in testing mode they report it through TLS-RPT.",
        fixes: &[Fix {
            software: "Web server",
            text: "Add an mx: line for the host (or a wildcard covering it) to the policy file, then change the id in the _mta-sts TXT record so senders refetch it.",
        }],
    },
    FindingDef {
        code: "mta-sts-enforce-would-fail",
        severity: Severity::Error,
        title: "An MX fails what an enforcing MTA-STS sender demands",
        why: "An MTA-STS sender in enforce mode delivers only over TLS 1.2 or later, with a certificate chain that is trusted, unexpired and valid for the MX host name (RFC 8461 §4.2). This MX host (or one of its addresses) does not offer that.",
        breaks: "With mode: enforce, Gmail, Microsoft 365 and other MTA-STS senders do not deliver to this MX (they defer, and bounce after days when no MX passes); in testing mode, they report the failure and deliver anyway.",
        fixes: &[
            Fix {
                software: "Postfix",
                text: "Serve a full chain for the MX name and TLS 1.2+: smtpd_tls_chain_files = /etc/letsencrypt/live/mx1.example.com/privkey.pem, /etc/letsencrypt/live/mx1.example.com/fullchain.pem; smtpd_tls_security_level = may; smtpd_tls_protocols = >=TLSv1.2; then `postfix reload`.",
            },
            Fix {
                software: "Exim",
                text: "tls_certificate = /etc/letsencrypt/live/mx1.example.com/fullchain.pem, tls_privatekey = .../privkey.pem, tls_advertise_hosts = *, openssl_options = +no_sslv3 +no_tlsv1 +no_tlsv1_1.",
            },
            Fix {
                software: "Web server",
                text: "Until every MX passes, keep the policy in mode: testing.",
            },
        ],
    },
    FindingDef {
        code: "dane-tlsa-mismatch",
        severity: Severity::Error,
        title: "No TLSA record matches the certificate this MX serves",
        why: "The MX host publishes DNSSEC-signed TLSA records at _25._tcp.HOST, so DANE senders insist on TLS and on a certificate matching one of them (RFC 7672 §2.2, §3). None matches what the server sends: typically the certificate or key was renewed and the TLSA record was not updated, or the server offers no STARTTLS at all.",
        breaks: "DANE senders (Postfix and Exim with DANE on, Microsoft 365, many European providers) do not deliver to this MX: Postfix logs \"Server certificate not trusted\" with \"TLSA\" and defers; mail bounces after days when no MX matches.",
        fixes: &[
            Fix {
                software: "DNS zone",
                text: "Publish a record for the current key before each renewal, keep the old one until the new certificate is live; \"3 1 1\" (SHA-256 of the server's public key) survives renewals that keep the key (certbot --reuse-key). The record for the certificate now served is shown in the evidence.",
            },
            Fix {
                software: "Postfix",
                text: "Serve the certificate the TLSA records describe (smtpd_tls_chain_files), and STARTTLS on port 25 (smtpd_tls_security_level = may).",
            },
            Fix {
                software: "Exim",
                text: "Serve the certificate the TLSA records describe (tls_certificate/tls_privatekey), and advertise STARTTLS (tls_advertise_hosts = *).",
            },
        ],
    },
    FindingDef {
        code: "dane-tlsa-stale",
        severity: Severity::Warning,
        title: "A TLSA record matches nothing, beside one that matches",
        why: "One usable TLSA record matches the served certificate, but another matches nothing the server sends. Usually a leftover from a previous certificate or key, or one published ahead of a rollover; harmless while another record matches.",
        breaks: "Nothing fails now; if the matching record is removed or the certificate changes again, DANE senders stop delivering.",
        fixes: &[Fix {
            software: "DNS zone",
            text: "Remove TLSA records for keys no longer in use once the rollover is done; keep exactly current + next.",
        }],
    },
    FindingDef {
        code: "dane-unsigned",
        severity: Severity::Warning,
        title: "TLSA records exist but are not DNSSEC-validated: senders ignore them",
        why: "DANE needs the TLSA records (and the MX host's address records) to be DNSSEC-secure (RFC 7672 §2.2). These are not: the zone is unsigned, the chain of trust to it is broken (no DS at the parent), or the resolver asked does not validate.",
        breaks: "DANE senders treat the host as having no TLSA records and fall back to opportunistic TLS: the records protect nothing.",
        fixes: &[Fix {
            software: "DNS zone",
            text: "Sign the zone (your DNS host's DNSSEC switch, or dnssec-policy default; in BIND) and publish its DS record at the registrar; check with `delv _25._tcp.mx1.example.com TLSA`. If the zone is signed, point --dns at a validating resolver or use --dnssec-validate.",
        }],
    },
    FindingDef {
        code: "dane-usage-unsuitable",
        severity: Severity::Warning,
        title: "A TLSA record uses usage 0 or 1, which SMTP senders ignore",
        why: "RFC 7672 §3.1.3 makes the PKIX usages, 0 (PKIX-TA) and 1 (PKIX-EE), unusable for SMTP: senders have no agreed set of public CAs to check them against. Only usages 2 (DANE-TA) and 3 (DANE-EE) count. When every record is unusable, senders use TLS without authentication.",
        breaks: "The records do not protect the MX; DANE senders still insist on STARTTLS but accept any certificate.",
        fixes: &[Fix {
            software: "DNS zone",
            text: "Replace them with DANE-EE records, e.g. _25._tcp.mx1.example.com. IN TLSA 3 1 1 <SHA-256 of the server's public key> (shown in the evidence for the certificate served).",
        }],
    },
    // RFC 4035 section 5.5 (bogus data), RFC 4033 section 5; RFC 7672 section 2.2.
    FindingDef {
        code: "dnssec-bogus",
        severity: Severity::Error,
        title: "DNS answers of the domain fail DNSSEC validation",
        why: "The zone is signed, but the signatures of some answers do not validate from the trust anchors: they expired (the signer stopped re-signing), the zone was re-keyed without updating the DS record at the parent, or the answers were altered on the way. Validating resolvers then answer SERVFAIL, as if the record did not exist and could not be looked up.",
        breaks: "Every sender behind a validating resolver (Gmail, Microsoft 365 and most large providers validate) cannot use the record: a bogus MX or address defers all mail, a bogus TLSA record makes DANE senders defer (RFC 7672 section 2.2), a bogus MTA-STS TXT leaves the policy unknown. `dig +dnssec` shows the SERVFAIL; `dig +cd` shows the data nonetheless.",
        fixes: &[
            Fix {
                software: "DNS zone",
                text: "Re-sign the zone and keep it signed (BIND: dnssec-policy, inline-signing; Knot: automatic signing; ldns-signzone/dnssec-signzone from a cron job before the RRSIG expiry). After a key rollover, the DS at the parent (the registrar) must match a current KSK: compare `dig DS example.com @parent-server` with `dig DNSKEY example.com | dnssec-dsfromkey -f - example.com`. Check with `delv example.com MX` or https://dnsviz.net.",
            },
            Fix {
                software: "Any server",
                text: "If the zone cannot be signed correctly now, remove the DS record at the registrar (the zone becomes unsigned, and senders fall back to no DNSSEC) rather than leave it bogus.",
            },
        ],
    },
    FindingDef {
        code: "dane-tlsa-lookup-failed",
        severity: Severity::Error,
        title: "The TLSA lookup fails: DANE senders defer mail",
        why: "The TLSA query for the MX host got SERVFAIL, a timeout, or DNSSEC-bogus data. RFC 7672 §2.2 tells DANE senders not to deliver in that case, because an attacker could be hiding the records.",
        breaks: "DANE senders (Postfix with DANE, Exim, Microsoft 365) defer all mail to this MX until the lookup works; Postfix logs \"TLSA lookup error for ...\".",
        fixes: &[Fix {
            software: "DNS zone",
            text: "Fix the zone's signatures (re-sign; check expiry of RRSIGs) or the name servers' answer for _25._tcp.HOST; NXDOMAIN or an empty answer is fine, a failure is not.",
        }],
    },
    FindingDef {
        code: "tlsrpt-invalid",
        severity: Severity::Warning,
        title: "The TLS-RPT record is invalid: no reports will arrive",
        why: "The _smtp._tls TXT record must be exactly one \"v=TLSRPTv1; rua=mailto:...\" record with mailto: or https: addresses (RFC 8460 §3). This one is malformed, duplicated, or its lookup failed.",
        breaks: "Senders (Gmail, Microsoft 365) send no TLS reports, so MTA-STS or DANE failures at senders stay unseen.",
        fixes: &[Fix {
            software: "DNS zone",
            text: "_smtp._tls.example.com. IN TXT \"v=TLSRPTv1; rua=mailto:tls-reports@example.com\"",
        }],
    },
    FindingDef {
        code: "tlsrpt-missing",
        severity: Severity::Note,
        title: "MTA-STS or DANE is deployed without a TLS-RPT record",
        why: "TLS-RPT (RFC 8460) lets senders report TLS failures they meet when delivering to the domain. Without the record, the first sign of a broken MTA-STS or DANE setup is missing mail.",
        breaks: "Nothing fails; failures at senders go unreported.",
        fixes: &[Fix {
            software: "DNS zone",
            text: "_smtp._tls.example.com. IN TXT \"v=TLSRPTv1; rua=mailto:tls-reports@example.com\"",
        }],
    },
];

/// The declaration of `code`, if there is one.
pub fn lookup(code: &str) -> Option<&'static FindingDef> {
    REGISTRY.iter().find(|d| d.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    const KNOWN_SOFTWARE: &[&str] = &[
        "Postfix",
        "Exim",
        "Python ssl",
        "Java keytool",
        "OpenSSL client",
        "Any server",
        "Client",
        "DNS zone",
        "Web server",
        "qmail",
    ];

    fn is_kebab_case(code: &str) -> bool {
        !code.is_empty()
            && !code.starts_with('-')
            && !code.ends_with('-')
            && !code.contains("--")
            && code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    }

    /// Findings about TLS itself or the certificate, as opposed to plain SMTP refusals.
    fn is_tls_or_certificate(code: &str) -> bool {
        code == "no-tls12"
            || [
                "starttls-",
                "tls-",
                "chain-",
                "cert-",
                "protocol-",
                "cipher-",
                "dh-",
            ]
            .iter()
            .any(|prefix| code.starts_with(prefix))
    }

    #[test]
    fn codes_are_unique() {
        let mut seen = HashSet::new();
        for def in REGISTRY {
            assert!(seen.insert(def.code), "duplicate code {}", def.code);
        }
    }

    #[test]
    fn codes_are_kebab_case() {
        for def in REGISTRY {
            assert!(
                is_kebab_case(def.code),
                "code {:?} is not kebab-case",
                def.code
            );
        }
    }

    #[test]
    fn texts_are_not_empty() {
        for def in REGISTRY {
            assert!(!def.title.trim().is_empty(), "{}: empty title", def.code);
            assert!(!def.why.trim().is_empty(), "{}: empty why", def.code);
            assert!(!def.breaks.trim().is_empty(), "{}: empty breaks", def.code);
            for fix in def.fixes {
                assert!(
                    !fix.software.trim().is_empty(),
                    "{}: fix without software",
                    def.code
                );
                assert!(
                    !fix.text.trim().is_empty(),
                    "{}: empty fix for {}",
                    def.code,
                    fix.software
                );
            }
        }
    }

    #[test]
    fn titles_are_one_short_line() {
        for def in REGISTRY {
            assert!(!def.title.contains('\n'), "{}: title spans lines", def.code);
            assert!(
                def.title.chars().count() < 80,
                "{}: title too long",
                def.code
            );
        }
    }

    #[test]
    fn prose_is_not_broken_by_line_continuations() {
        // A missing space before a `\` line continuation glues two words together and
        // leaves the next line's indentation behind; catch the most visible symptoms.
        for def in REGISTRY {
            for text in [def.title, def.why, def.breaks] {
                assert!(!text.contains('\n'), "{}: newline in prose", def.code);
                assert!(
                    !text.contains("  "),
                    "{}: double space in {:?}",
                    def.code,
                    text
                );
            }
        }
    }

    #[test]
    fn every_entry_has_a_fix() {
        for def in REGISTRY {
            assert!(!def.fixes.is_empty(), "{}: no fixes", def.code);
            assert!(def.fixes.len() <= 5, "{}: more than 5 fixes", def.code);
        }
    }

    #[test]
    fn fix_software_names_are_known() {
        for def in REGISTRY {
            for fix in def.fixes {
                assert!(
                    KNOWN_SOFTWARE.contains(&fix.software),
                    "{}: unknown software {:?}",
                    def.code,
                    fix.software
                );
            }
        }
    }

    #[test]
    fn protocol_and_cipher_findings_follow_the_handshake_failure() {
        // The registry order is the importance order used to pick the verdict.
        let codes: Vec<&str> = REGISTRY.iter().map(|d| d.code).collect();
        let start = codes
            .iter()
            .position(|c| *c == "tls-handshake-failed")
            .expect("tls-handshake-failed is declared");
        let expected = [
            "no-tls12",
            "protocol-sslv2",
            "protocol-sslv3",
            "protocol-tls10",
            "protocol-tls11",
            "cipher-weak",
            "cipher-no-forward-secrecy",
            "dh-weak",
            "no-server-preference",
        ];
        assert_eq!(&codes[start + 1..start + 1 + expected.len()], &expected[..]);
    }

    #[test]
    fn tls_and_certificate_errors_have_postfix_and_exim_fixes() {
        for def in REGISTRY
            .iter()
            .filter(|d| d.severity == Severity::Error && is_tls_or_certificate(d.code))
        {
            for software in ["Postfix", "Exim"] {
                assert!(
                    def.fixes.iter().any(|f| f.software == software),
                    "{}: no {} fix",
                    def.code,
                    software
                );
            }
        }
    }

    #[test]
    fn handshake_signature_invalid_names_the_failures_and_the_fixes() {
        let def = lookup("handshake-signature-invalid").expect("the entry is declared");
        assert_eq!(def.severity, Severity::Error);
        for client in ["OpenSSL", "Python", "Java"] {
            assert!(def.breaks.contains(client), "breaks does not name {client}");
        }
        assert!(
            def.breaks.contains("bad signature"),
            "breaks: {}",
            def.breaks
        );
        let fix = |software: &str| {
            def.fixes
                .iter()
                .find(|f| f.software == software)
                .unwrap_or_else(|| panic!("no {software} fix"))
                .text
        };
        let all: String = def
            .fixes
            .iter()
            .map(|f| f.text)
            .collect::<Vec<_>>()
            .join("\n");
        // The comparison of the two public keys, as commands to run.
        assert!(all.contains("openssl x509 -noout -pubkey"), "{all}");
        assert!(all.contains("openssl pkey -pubout"), "{all}");
        // Postfix: smtpd_tls_chain_files lists each key before its certificate.
        let postfix = fix("Postfix");
        let line = postfix
            .lines()
            .find(|l| l.trim_start().starts_with("smtpd_tls_chain_files ="))
            .expect("an smtpd_tls_chain_files example");
        let files: Vec<&str> = line
            .split_once('=')
            .unwrap()
            .1
            .split(',')
            .map(str::trim)
            .collect();
        assert!(files.len() >= 2 && files.len().is_multiple_of(2), "{line}");
        for pair in files.chunks(2) {
            assert!(pair[0].contains("key"), "a key first: {line}");
            assert!(!pair[1].contains("key"), "then its certificate: {line}");
        }
        assert!(postfix.contains("key comes first"), "{postfix}");
        // Exim: both options, naming a certificate and its key.
        let exim = fix("Exim");
        assert!(exim.contains("tls_certificate = "), "{exim}");
        assert!(exim.contains("tls_privatekey = "), "{exim}");
    }
}
