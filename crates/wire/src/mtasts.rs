//! MTA-STS (RFC 8461): the `_mta-sts` TXT record (§3.1), the policy body
//! served at `https://mta-sts.DOMAIN/.well-known/mta-sts.txt` (§3.2, §3.3)
//! and MX pattern matching (§4.1).
//!
//! The parsers are strict: they follow the RFC's ABNF and report every
//! departure from it in plain English. Departures that senders are known
//! to tolerate (bare LF line endings, trailing whitespace, unknown fields)
//! are warnings; everything that would make a careful sender discard the
//! record or policy is an error.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;

/// The largest `max_age` RFC 8461 §3.2 allows: 31557600 seconds (a year).
pub const MAX_AGE_LIMIT: u64 = 31_557_600;

/// Below this `max_age` (one day) a warning is given: RFC 8461 §3.2 expects
/// values "in the range of weeks or greater".
pub const MAX_AGE_SHORT: u64 = 86_400;

/// The policy size RFC 8461 §3.3 suggests senders accept ("64 kilobytes",
/// taken here as 64 KiB); Policy Hosts SHOULD stay within it.
pub const POLICY_SIZE_LIMIT: usize = 64 * 1024;

/// At most this many errors (and, separately, warnings) are listed for one
/// policy body; the rest are summarised in one last issue.
const MAX_ISSUES: usize = 50;

/// SP and HTAB, the ABNF `WSP`.
const WSP: [char; 2] = [' ', '\t'];

/// The `_mta-sts.DOMAIN` TXT record (RFC 8461 §3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsTxt {
    /// The policy instance id: 1 to 32 ASCII letters or digits.
    pub id: String,
    /// Other `name=value` fields, in record order (senders ignore them).
    pub extensions: Vec<(String, String)>,
    /// Departures from the RFC that senders usually tolerate, in plain
    /// English (for example a repeated `id`, of which the first is used).
    pub warnings: Vec<String>,
}

/// Parses one `_mta-sts` TXT record, its character-strings already
/// concatenated without separators (RFC 8461 §3.1).
///
/// Strict per the §3.1 ABNF:
///
/// ```text
/// sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim]
/// sts-field       = sts-id / sts-extension       ; sts-id is required
/// sts-field-delim = *WSP ";" *WSP
/// sts-version     = %s"v=STSv1"
/// sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
/// sts-extension   = sts-ext-name "=" sts-ext-value
/// sts-ext-name    = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
/// sts-ext-value   = 1*(%x21-3A / %x3C / %x3E-7E)
/// ```
///
/// The record must be US-ASCII (§3.1). A field named `id` is always taken
/// as the policy id, so `id=abc-def` is an error rather than an extension.
/// A repeated `id` is a warning and the first one is used (§3.2: of a
/// repeated non-`mx` field, all but the first are ignored). Whitespace
/// after the last field without a closing `;` is outside the grammar but
/// harmless in practice, so it is a warning.
///
/// The error is a plain-English message naming the exact problem.
pub fn parse_sts_txt(record: &str) -> Result<StsTxt, String> {
    let parsed = split_txt_record(record, "v=STSv1", "RFC 8461 §3.1")?;
    let mut warnings = parsed.warnings;
    let mut id: Option<&str> = None;
    let mut extensions: Vec<(String, String)> = Vec::new();
    let mut case_variant: Option<&str> = None;
    for (name, value) in parsed.fields {
        if name == "id" {
            if !is_sts_id(value) {
                return Err(format!(
                    "id must be 1 to 32 letters or digits, got {}",
                    shown(value)
                ));
            }
            if let Some(first) = id {
                warnings.push(format!(
                    "id appears more than once; senders use the first ({}) and ignore {} \
                     (RFC 8461 §3.2)",
                    shown(first),
                    shown(value)
                ));
            } else {
                id = Some(value);
            }
            continue;
        }
        check_ext_value(name, value, "RFC 8461 §3.1")?;
        if name.eq_ignore_ascii_case("id") {
            case_variant = Some(name);
        }
        if name == "v" {
            warnings.push(format!(
                "a second v= field ({}) is ignored; the version is only read at the start",
                shown(value)
            ));
        }
        extensions.push((name.to_string(), value.to_string()));
    }
    let Some(id) = id else {
        let mut msg = String::from(
            "the record has no id= field; RFC 8461 §3.1 requires one \
             (for example \"v=STSv1; id=20240131T120000\")",
        );
        if let Some(name) = case_variant {
            let _ = write!(
                msg,
                "; {} is not \"id\": field names are case-sensitive",
                shown(name)
            );
        }
        return Err(msg);
    };
    if let Some(name) = case_variant {
        warnings.push(format!(
            "field {} is an unknown extension, not the id (field names are case-sensitive)",
            shown(name)
        ));
    }
    Ok(StsTxt {
        id: id.to_string(),
        extensions,
        warnings,
    })
}

/// Picks the MTA-STS record out of all TXT records at `_mta-sts.DOMAIN`
/// (each with its character-strings concatenated) and parses it.
///
/// RFC 8461 §3.1: records that do not begin with `v=STSv1` are discarded;
/// if the number left is not one, or the one left is invalid, senders act
/// as if the domain had no MTA-STS policy. A record counts as beginning
/// with `v=STSv1` when that token is followed by `;`, whitespace or the
/// end (the §3.1 text says `v=STSv1;`, its grammar also allows spaces
/// before the `;`; such a record is parsed, with a warning).
///
/// The error says how many records start with `v=STSv1`, and when none
/// does, points out near misses (other case, leading spaces, quotes) that
/// senders silently ignore.
pub fn select_sts_txt(records: &[String]) -> Result<StsTxt, String> {
    let chosen = select_versioned(
        records,
        "v=STSv1",
        "RFC 8461 §3.1",
        "senders treat the domain as having no MTA-STS policy",
    )?;
    parse_sts_txt(chosen).map_err(|e| {
        format!(
            "the v=STSv1 record {} is invalid: {e}; senders treat the domain as having no \
             MTA-STS policy",
            shown(chosen)
        )
    })
}

/// The policy `mode` (RFC 8461 §3.2, §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyMode {
    /// Senders must not deliver to MX hosts that fail validation.
    Enforce,
    /// Senders report failures (TLS-RPT) but deliver anyway.
    Testing,
    /// Senders treat the domain as having no active policy (§8.3).
    None,
}

impl PolicyMode {
    /// The value as written in a policy: `enforce`, `testing` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyMode::Enforce => "enforce",
            PolicyMode::Testing => "testing",
            PolicyMode::None => "none",
        }
    }

    /// The mode written as `value` (case-sensitive, as in §3.2).
    pub fn from_value(value: &str) -> Option<PolicyMode> {
        match value {
            "enforce" => Some(PolicyMode::Enforce),
            "testing" => Some(PolicyMode::Testing),
            "none" => Some(PolicyMode::None),
            _ => None,
        }
    }
}

impl std::fmt::Display for PolicyMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found in a policy body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyIssue {
    /// The 1-based line the problem is on, or 0 when it concerns the whole
    /// body (size, a missing field, ...).
    pub line: usize,
    /// What is wrong, in plain English.
    pub message: String,
}

impl std::fmt::Display for PolicyIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

/// A parsed MTA-STS policy body (RFC 8461 §3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Always `STSv1` in a policy that parsed.
    pub version: String,
    /// What senders do when validation fails.
    pub mode: PolicyMode,
    /// How long senders may cache the policy, in seconds (at most
    /// [`MAX_AGE_LIMIT`]).
    pub max_age: u64,
    /// The `mx` patterns, in policy order (see [`mx_matches`]).
    pub mx: Vec<String>,
    /// Unknown fields (`name`, `value`), which senders ignore; only the
    /// first of a repeated name is kept.
    pub extensions: Vec<(String, String)>,
    /// Tolerated deviations senders usually accept.
    pub warnings: Vec<PolicyIssue>,
}

impl Policy {
    /// Whether any of the policy's `mx` patterns matches `host` (§4.1).
    pub fn matches_mx(&self, host: &str) -> bool {
        self.mx.iter().any(|p| mx_matches(p, host))
    }

    /// The policy written out canonically: `version`, `mode`, each `mx`,
    /// `max_age`, then the extensions, one per line, each line ending in
    /// CRLF. Parsing the result gives the same fields back.
    pub fn render(&self) -> String {
        let mut out = format!("version: {}\r\nmode: {}\r\n", self.version, self.mode);
        for mx in &self.mx {
            let _ = write!(out, "mx: {mx}\r\n");
        }
        let _ = write!(out, "max_age: {}\r\n", self.max_age);
        for (name, value) in &self.extensions {
            let _ = write!(out, "{name}: {value}\r\n");
        }
        out
    }
}

/// Parses an MTA-STS policy body strictly (RFC 8461 §3.2):
///
/// ```text
/// sts-policy-record      = sts-policy-field *WSP
///                          *(sts-policy-term sts-policy-field *WSP) [sts-policy-term]
/// sts-policy-field-delim = ":" *WSP
/// sts-policy-version     = %s"version" delim %s"STSv1"
/// sts-policy-mode        = %s"mode" delim (%s"testing" / %s"enforce" / %s"none")
/// sts-policy-mx          = %s"mx" delim ["*."] Domain          ; Domain: RFC 5321 §4.1.2
/// sts-policy-max-age     = %s"max_age" delim 1*10(DIGIT)
/// sts-policy-extension   = sts-policy-ext-name delim sts-policy-ext-value
/// sts-policy-ext-name    = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
/// sts-policy-term        = LF / CRLF
/// sts-policy-ext-value   = vchar [*(%x20 / vchar) vchar]       ; UTF-8, no CTLs
/// ```
///
/// Errors (the `Err` lists every error found, never warnings):
/// the body is larger than [`POLICY_SIZE_LIMIT`] (the size §3.3 suggests
/// senders cap policies at, and Policy Hosts SHOULD stay within); it is
/// not UTF-8 or starts with a byte order mark; `version`, `mode` or
/// `max_age` is missing; `version` is not `STSv1`; `mode` is not one of
/// `enforce`, `testing`, `none` (case-sensitive); `max_age` is not 1 to 10
/// digits or exceeds [`MAX_AGE_LIMIT`]; there is no `mx` while the mode is
/// not `none`; an `mx` pattern is not a host name (LDH labels of at most
/// 63 characters, no trailing dot, A-labels for IDNs) or has a wildcard
/// other than one whole leading `*.` label; a line has no `:`, starts with
/// whitespace, has a field name outside the ABNF or a stray CR; an unknown
/// field's value is empty or has control characters.
///
/// Warnings (in [`Policy::warnings`]): line endings in bare LF (§3.2 says
/// "CRLF-separated", though its grammar accepts LF); trailing whitespace;
/// no line ending after the last line; blank lines (outside the grammar,
/// but skipped by senders); `max_age` below [`MAX_AGE_SHORT`]; unknown
/// fields (ignored by senders, §3.2); a repeated non-`mx` field, of which
/// §3.2 says all but the first are ignored.
pub fn parse_policy(body: &[u8]) -> Result<Policy, Vec<PolicyIssue>> {
    let mut acc = PolicyAcc::default();
    if body.is_empty() {
        return Err(vec![issue(
            0,
            "the policy body is empty; RFC 8461 §3.2 requires at least the version, mode \
             and max_age fields",
        )]);
    }
    if body.len() > POLICY_SIZE_LIMIT {
        acc.error(
            0,
            format!(
                "the policy body is {} bytes; RFC 8461 §3.3 suggests senders limit policies to \
                 64 kilobytes and Policy Hosts SHOULD stay within that, so larger policies \
                 may be refused",
                body.len()
            ),
        );
    }
    let text: Cow<'_, str> = match std::str::from_utf8(body) {
        Ok(s) => Cow::Borrowed(s),
        Err(e) => {
            let at = e.valid_up_to();
            let line = body
                .get(..at)
                .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
                + 1;
            acc.error(
                line,
                format!(
                    "the body is not valid UTF-8 (first bad byte at offset {at}); RFC 8461 \
                     §3.2 policies are UTF-8 text (US-ASCII for the defined fields)"
                ),
            );
            String::from_utf8_lossy(body)
        }
    };
    let mut rest: &str = &text;
    if let Some(after) = rest.strip_prefix('\u{feff}') {
        acc.error(
            1,
            "the body starts with a byte order mark (U+FEFF); the first field name must be \
             the first byte, or senders will not see it",
        );
        rest = after;
    }

    let mut line_no = 0usize;
    let mut lf_count = 0usize;
    let mut first_lf = 0usize;
    let mut endings = 0usize;
    while !rest.is_empty() {
        line_no += 1;
        let line = match rest.split_once('\n') {
            Some((line, next)) => {
                rest = next;
                endings += 1;
                match line.strip_suffix('\r') {
                    Some(line) => line,
                    None => {
                        lf_count += 1;
                        if first_lf == 0 {
                            first_lf = line_no;
                        }
                        line
                    }
                }
            }
            None => {
                let line = std::mem::take(&mut rest);
                acc.warn(
                    line_no,
                    "the last line has no line ending (CRLF); the grammar allows it, but \
                     ending every line is the common form",
                );
                line
            }
        };
        if line.contains('\r') {
            acc.error(
                line_no,
                "carriage return (CR) not followed by a line feed; lines end in CRLF (or LF), \
                 a lone CR is not a line ending (RFC 8461 §3.2)",
            );
            for part in line.split('\r').filter(|p| !p.is_empty()) {
                acc.line(line_no, part);
            }
        } else {
            acc.line(line_no, line);
        }
    }
    if lf_count > 0 {
        acc.warn(
            first_lf,
            format!(
                "{lf_count} of {endings} line endings are a bare LF instead of CRLF (first on \
                 line {first_lf}); RFC 8461 §3.2 describes CRLF-separated lines, though its \
                 grammar (sts-policy-term = LF / CRLF) and senders accept LF"
            ),
        );
    }
    acc.finish()
}

/// Whether the `mx` pattern `pattern` matches the MX host name `host`
/// (RFC 8461 §4.1): ASCII case-insensitive, one trailing dot on either
/// side ignored. A pattern `*.example.com` matches exactly one extra
/// leftmost label: `a.example.com`, not `example.com` nor
/// `a.b.example.com`. Any other pattern must equal the host.
pub fn mx_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.strip_suffix('.').unwrap_or(pattern);
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() {
        return false;
    }
    match pattern.strip_prefix("*.") {
        Some(parent) => match host.split_once('.') {
            Some((label, rest)) => !label.is_empty() && rest.eq_ignore_ascii_case(parent),
            None => false,
        },
        None => pattern.eq_ignore_ascii_case(host),
    }
}

/// Checks an `mx` pattern against `["*."] Domain` (RFC 8461 §3.2 with
/// RFC 5321 §4.1.2). The error explains what is wrong.
pub fn check_mx_pattern(pattern: &str) -> Result<(), String> {
    let domain = pattern.strip_prefix("*.").unwrap_or(pattern);
    if domain.contains('*') {
        return Err(format!(
            "mx pattern {} has a wildcard that is not a single leading \"*.\" label; only the \
             form \"*.example.com\" is allowed (RFC 8461 §3.2, §4.1)",
            shown(pattern)
        ));
    }
    if !pattern.is_ascii() {
        return Err(format!(
            "mx pattern {} is not ASCII; internationalized names must be written as A-labels \
             (\"xn--...\"), not Unicode (RFC 8461 §3.2)",
            shown(pattern)
        ));
    }
    check_domain(domain).map_err(|why| {
        format!(
            "mx pattern {} is not a host name: {why} (RFC 8461 §3.2)",
            shown(pattern)
        )
    })
}

// ---------------------------------------------------------------------------
// Policy body internals.

fn issue(line: usize, message: impl Into<String>) -> PolicyIssue {
    PolicyIssue {
        line,
        message: message.into(),
    }
}

#[derive(Default)]
struct PolicyAcc {
    version: Option<String>,
    mode: Option<PolicyMode>,
    max_age: Option<u64>,
    mx: Vec<String>,
    extensions: Vec<(String, String)>,
    /// Every field name seen, with the line of its first instance.
    seen: HashMap<String, usize>,
    /// Names that differ from a defined field only in case.
    case_variants: Vec<String>,
    any_mx: bool,
    errors: Vec<PolicyIssue>,
    warnings: Vec<PolicyIssue>,
}

impl PolicyAcc {
    fn error(&mut self, line: usize, message: impl Into<String>) {
        self.errors.push(issue(line, message));
    }

    fn warn(&mut self, line: usize, message: impl Into<String>) {
        self.warnings.push(issue(line, message));
    }

    /// One line, without its line ending.
    fn line(&mut self, n: usize, line: &str) {
        if line.trim_matches(WSP).is_empty() {
            self.warn(
                n,
                if line.is_empty() {
                    "blank line; the RFC 8461 §3.2 grammar has no blank lines, though senders \
                     generally skip them"
                } else {
                    "line holds only whitespace; the RFC 8461 §3.2 grammar has no blank lines, \
                     though senders generally skip them"
                },
            );
            return;
        }
        if line.starts_with(WSP) {
            self.error(
                n,
                format!(
                    "line starts with whitespace ({}); field names must start at the beginning \
                     of the line, and continuation lines are not allowed (RFC 8461 §3.2)",
                    shown(line)
                ),
            );
            return;
        }
        let Some((name, raw)) = line.split_once(':') else {
            self.error(
                n,
                format!(
                    "malformed line {}: expected \"name: value\" with a ':' (RFC 8461 §3.2)",
                    shown(line)
                ),
            );
            return;
        };
        if name.ends_with(WSP) {
            self.error(
                n,
                format!(
                    "whitespace before ':' in {}; the field name must be followed directly by \
                     ':' (RFC 8461 §3.2)",
                    shown(line)
                ),
            );
            return;
        }
        if !is_ext_name(name) {
            self.error(
                n,
                format!(
                    "field name {} is not valid: RFC 8461 §3.2 allows a letter or digit \
                     followed by up to 31 letters, digits, '_', '-' or '.'",
                    shown(name)
                ),
            );
            return;
        }
        let value = raw.trim_start_matches(WSP);
        let trimmed = value.trim_end_matches(WSP);
        if trimmed.len() != value.len() {
            self.warn(
                n,
                format!(
                    "trailing whitespace after {}; the grammar allows it, but some parsers \
                     keep it as part of the value",
                    shown(trimmed)
                ),
            );
        }
        self.field(n, name, trimmed);
    }

    fn field(&mut self, n: usize, name: &str, value: &str) {
        if name != "mx" {
            if let Some(&first) = self.seen.get(name) {
                self.warn(
                    n,
                    format!(
                        "{} appears again (first on line {first}); RFC 8461 §3.2: all but the \
                         first instance of a non-repeated field are ignored, so {} is ignored",
                        shown(name),
                        shown(value)
                    ),
                );
                return;
            }
            self.seen.insert(name.to_string(), n);
        }
        match name {
            "version" => {
                if value == "STSv1" {
                    self.version = Some(value.to_string());
                } else {
                    self.error(
                        n,
                        format!(
                            "version must be STSv1 (case-sensitive), got {} (RFC 8461 §3.2)",
                            shown(value)
                        ),
                    );
                }
            }
            "mode" => match PolicyMode::from_value(value) {
                Some(mode) => self.mode = Some(mode),
                None => {
                    let mut msg = format!(
                        "mode must be one of enforce, testing or none, got {}",
                        shown(value)
                    );
                    if PolicyMode::from_value(&value.to_ascii_lowercase()).is_some() {
                        msg.push_str(" (values are case-sensitive)");
                    } else if value.eq_ignore_ascii_case("report") {
                        msg.push_str(" (\"report\" is from drafts; RFC 8461 calls it testing)");
                    }
                    msg.push_str(" (RFC 8461 §3.2)");
                    self.error(n, msg);
                }
            },
            "max_age" => self.max_age_field(n, value),
            "mx" => {
                self.any_mx = true;
                match check_mx_pattern(value) {
                    Ok(()) => self.mx.push(value.to_string()),
                    Err(e) => self.error(n, e),
                }
            }
            _ => self.extension(n, name, value),
        }
    }

    fn max_age_field(&mut self, n: usize, value: &str) {
        let digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
        let parsed = if digits && value.len() <= 10 {
            value.parse::<u64>().ok()
        } else {
            None
        };
        match parsed {
            None => self.error(
                n,
                format!(
                    "max_age must be 1 to 10 digits (seconds), got {} (RFC 8461 §3.2)",
                    shown(value)
                ),
            ),
            Some(secs) if secs > MAX_AGE_LIMIT => self.error(
                n,
                format!(
                    "max_age {secs} is above the maximum of {MAX_AGE_LIMIT} seconds (one year, \
                     RFC 8461 §3.2)"
                ),
            ),
            Some(secs) => {
                if secs < MAX_AGE_SHORT {
                    self.warn(
                        n,
                        format!(
                            "max_age {secs} is less than a day; RFC 8461 §3.2 expects weeks or \
                             more (for example 604800 or 1209600), since a short cache leaves \
                             senders exposed at every refresh"
                        ),
                    );
                }
                self.max_age = Some(secs);
            }
        }
    }

    fn extension(&mut self, n: usize, name: &str, value: &str) {
        if value.is_empty() {
            self.error(
                n,
                format!(
                    "field {} has an empty value; RFC 8461 §3.2 requires at least one visible \
                     character",
                    shown(name)
                ),
            );
            return;
        }
        if let Some(c) = value.chars().find(|c| c.is_ascii_control()) {
            self.error(
                n,
                format!(
                    "field {} has a control character ({}) in its value, which RFC 8461 §3.2 \
                     does not allow",
                    shown(name),
                    shown(&c.to_string())
                ),
            );
            return;
        }
        let known = ["version", "mode", "max_age", "mx"]
            .into_iter()
            .find(|k| k.eq_ignore_ascii_case(name));
        match known {
            Some(k) => {
                self.case_variants.push(name.to_string());
                self.warn(
                    n,
                    format!(
                        "field {} is not the {} field (field names are case-sensitive); \
                         senders ignore it as an unknown field",
                        shown(name),
                        shown(k)
                    ),
                );
            }
            None => self.warn(
                n,
                format!(
                    "unknown field {}; senders ignore it (RFC 8461 §3.2)",
                    shown(name)
                ),
            ),
        }
        self.extensions.push((name.to_string(), value.to_string()));
    }

    fn missing(&mut self, name: &str, example: &str) {
        let mut msg = format!(
            "the {name} field is missing; RFC 8461 §3.2 requires it (for example \"{example}\")"
        );
        if let Some(v) = self
            .case_variants
            .iter()
            .find(|v| v.eq_ignore_ascii_case(name))
        {
            let _ = write!(
                msg,
                "; {} does not count, field names are case-sensitive",
                shown(v)
            );
        }
        self.error(0, msg);
    }

    fn finish(mut self) -> Result<Policy, Vec<PolicyIssue>> {
        if !self.seen.contains_key("version") {
            self.missing("version", "version: STSv1");
        }
        if !self.seen.contains_key("mode") {
            self.missing("mode", "mode: enforce");
        }
        if !self.seen.contains_key("max_age") {
            self.missing("max_age", "max_age: 604800");
        }
        if !self.any_mx && matches!(self.mode, Some(PolicyMode::Enforce | PolicyMode::Testing)) {
            let mut msg = String::from(
                "no mx field; RFC 8461 §3.2 requires at least one unless the mode is none \
                 (for example \"mx: mail.example.com\")",
            );
            if let Some(v) = self
                .case_variants
                .iter()
                .find(|v| v.eq_ignore_ascii_case("mx"))
            {
                let _ = write!(
                    msg,
                    "; {} does not count, field names are case-sensitive",
                    shown(v)
                );
            }
            self.error(0, msg);
        }
        let warnings = capped(self.warnings, "warnings");
        match (self.version, self.mode, self.max_age) {
            (Some(version), Some(mode), Some(max_age)) if self.errors.is_empty() => Ok(Policy {
                version,
                mode,
                max_age,
                mx: self.mx,
                extensions: self.extensions,
                warnings,
            }),
            _ => Err(capped(self.errors, "problems")),
        }
    }
}

fn capped(mut issues: Vec<PolicyIssue>, what: &str) -> Vec<PolicyIssue> {
    if issues.len() > MAX_ISSUES {
        let more = issues.len() - MAX_ISSUES;
        issues.truncate(MAX_ISSUES);
        issues.push(issue(0, format!("... and {more} more {what} not listed")));
    }
    issues
}

// ---------------------------------------------------------------------------
// Pieces shared with the TLS-RPT record (RFC 8460 §3 uses the same layout).

/// A TXT record split per the shared §3.1 / RFC 8460 §3 layout.
pub(crate) struct TxtFields<'a> {
    /// `(name, value)` pairs after the version, names checked against the
    /// extension-name rule, values unchecked.
    pub(crate) fields: Vec<(&'a str, &'a str)>,
    pub(crate) warnings: Vec<String>,
}

/// Splits `record = version 1*(delim field) [delim]` with
/// `delim = *WSP ";" *WSP` and `field = name "=" value`, checking that the
/// record is ASCII, starts with `version`, that there is at least one
/// field, no empty field, and that every name is `(ALPHA / DIGIT)
/// *31(ALPHA / DIGIT / "_" / "-" / ".")`. Values are left to the caller.
pub(crate) fn split_txt_record<'a>(
    record: &'a str,
    version: &str,
    spec: &str,
) -> Result<TxtFields<'a>, String> {
    if let Some((i, c)) = record.char_indices().find(|(_, c)| !c.is_ascii()) {
        return Err(format!(
            "the record contains the non-ASCII character {} at offset {i}; the {spec} \
             grammar allows only US-ASCII",
            shown(&c.to_string())
        ));
    }
    let Some(rest) = record.strip_prefix(version) else {
        return Err(format!(
            "the record must begin with exactly \"{version}\" ({spec}), got {}",
            shown(record)
        ));
    };
    let mut warnings = Vec::new();
    let mut pieces = rest.split(';');
    let head = pieces.next().unwrap_or_default();
    if !head.trim_start_matches(WSP).is_empty() {
        return Err(if head.starts_with(WSP) {
            format!(
                "expected ';' after \"{version}\", got {}; fields are separated by ';' ({spec})",
                shown(rest)
            )
        } else {
            format!(
                "the record must begin with \"{version}\" followed by ';' ({spec}), got {}",
                shown(record)
            )
        });
    }
    if rest.contains(';') && !head.is_empty() {
        warnings.push(format!(
            "whitespace between \"{version}\" and ';': the grammar allows it, but {spec} also \
             says records not beginning with \"{version};\" are discarded, and some senders \
             do exactly that"
        ));
    }
    let pieces: Vec<&str> = pieces.collect();
    let last = pieces.len().saturating_sub(1);
    let mut fields = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        let field = piece.trim_start_matches(WSP);
        let field = if i == last {
            let trimmed = field.trim_end_matches(WSP);
            if trimmed.is_empty() {
                // A trailing ';' (and whitespace): the optional final delimiter.
                continue;
            }
            if trimmed.len() != field.len() {
                warnings.push(format!(
                    "whitespace after the last field {}; the grammar only allows it after a \
                     closing ';', though senders generally ignore it",
                    shown(trimmed)
                ));
            }
            trimmed
        } else {
            let trimmed = field.trim_end_matches(WSP);
            if trimmed.is_empty() {
                return Err(format!(
                    "empty field between two ';' separators in {} ({spec})",
                    shown(record)
                ));
            }
            trimmed
        };
        let Some((name, value)) = field.split_once('=') else {
            return Err(format!(
                "field {} has no '='; fields are name=value separated by ';' ({spec})",
                shown(field)
            ));
        };
        if !is_ext_name(name) {
            return Err(format!(
                "field name {} is not valid: {spec} allows a letter or digit followed by up to \
                 31 letters, digits, '_', '-' or '.' (no spaces around '=')",
                shown(name)
            ));
        }
        fields.push((name, value));
    }
    if fields.is_empty() {
        return Err(format!(
            "the record has no fields after \"{version}\" ({spec})"
        ));
    }
    Ok(TxtFields { fields, warnings })
}

/// Checks an extension value against `1*(%x21-3A / %x3C / %x3E-7E)`.
pub(crate) fn check_ext_value(name: &str, value: &str, spec: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("field {} has an empty value ({spec})", shown(name)));
    }
    if let Some(c) = value
        .chars()
        .find(|&c| !matches!(c, '!'..=':' | '<' | '>'..='~'))
    {
        return Err(format!(
            "field {} has {} in its value {}; {spec} allows only visible ASCII characters \
             other than '=' and ';'",
            shown(name),
            shown(&c.to_string()),
            shown(value)
        ));
    }
    Ok(())
}

/// Picks the only record that begins with the `version` token (followed
/// by `;`, whitespace or the end).
pub(crate) fn select_versioned<'a>(
    records: &'a [String],
    version: &str,
    spec: &str,
    consequence: &str,
) -> Result<&'a str, String> {
    let starts = |r: &str| {
        r.strip_prefix(version)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(';') || rest.starts_with(WSP))
    };
    let chosen: Vec<&String> = records.iter().filter(|r| starts(r)).collect();
    match chosen.as_slice() {
        [one] => Ok(one.as_str()),
        [] => {
            let mut msg = if records.is_empty() {
                format!("there is no TXT record, so no record starts with {version}; {consequence}")
            } else {
                format!(
                    "none of the {} TXT records starts with {version} ({spec}); {consequence}",
                    records.len()
                )
            };
            for r in records {
                if let Some(why) = near_miss(r, version) {
                    let _ = write!(msg, ". {} looks like one but is ignored: {why}", shown(r));
                }
            }
            Err(msg)
        }
        many => {
            let listed: Vec<String> = many.iter().map(|r| shown(r)).collect();
            Err(format!(
                "{} records start with {version}; {spec} requires exactly one: {consequence} \
                 (records: {})",
                many.len(),
                listed.join(", ")
            ))
        }
    }
}

/// Why `record`, which does not begin with `version`, was probably meant
/// to: `None` when it does not look like a version record at all.
fn near_miss(record: &str, version: &str) -> Option<&'static str> {
    let trimmed = record.trim_start();
    let unquoted = trimmed.trim_start_matches(['"', '\'']);
    let squeezed: String = unquoted
        .chars()
        .take(version.len() + 8)
        .filter(|c| !c.is_whitespace())
        .collect();
    let lower_version = version.to_ascii_lowercase();
    if !squeezed.to_ascii_lowercase().starts_with(&lower_version) {
        return None;
    }
    Some(if unquoted.len() != trimmed.len() {
        "it is wrapped in quote characters that are part of the record's text (a DNS \
         provider form quoting it twice)"
    } else if trimmed.len() != record.len() {
        "it starts with whitespace; the version must be the very first characters"
    } else if unquoted.starts_with(version) {
        // For example "v=STSv10": the token continues.
        "the version is followed by other characters instead of ';'"
    } else if squeezed.starts_with(version) {
        "it has whitespace inside the version token (as in \"v = ...\")"
    } else {
        "the version is case-sensitive and must be written exactly"
    })
}

/// `(ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")`
pub(crate) fn is_ext_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
        && name.len() <= 32
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// `1*32(ALPHA / DIGIT)`
fn is_sts_id(id: &str) -> bool {
    (1..=32).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Checks a host name: LDH labels (letter or digit at both ends) of 1 to
/// 63 characters, at most 253 characters, no trailing dot (RFC 5321
/// §4.1.2 `Domain`, RFC 1035 §2.3.4 lengths). The error says why not.
pub(crate) fn check_domain(domain: &str) -> Result<(), String> {
    if domain.is_empty() {
        return Err("the name is empty".to_string());
    }
    if domain.ends_with('.') {
        return Err(
            "it ends with a dot; write the name without the trailing dot of DNS zone files"
                .to_string(),
        );
    }
    if domain.len() > 253 {
        return Err(format!(
            "it is {} characters long, more than the 253 a host name can have",
            domain.len()
        ));
    }
    for label in domain.split('.') {
        if label.is_empty() {
            return Err("it has an empty label (a leading dot or \"..\")".to_string());
        }
        if label.len() > 63 {
            return Err(format!(
                "label {} is {} characters long, more than 63",
                shown(label),
                label.len()
            ));
        }
        if let Some(c) = label
            .chars()
            .find(|&c| !(c.is_ascii_alphanumeric() || c == '-'))
        {
            return Err(format!(
                "it contains {}; host names have only letters, digits, '-' and '.'",
                shown(&c.to_string())
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("label {} starts or ends with '-'", shown(label)));
        }
    }
    Ok(())
}

/// `s` in single quotes for a message: control characters escaped, cut
/// after 80 characters.
pub(crate) fn shown(s: &str) -> String {
    const MAX: usize = 80;
    let mut out = String::from("'");
    for (i, c) in s.chars().enumerate() {
        if i == MAX {
            out.push_str("...");
            break;
        }
        match c {
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || c == '\u{feff}' => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const GOOGLE: &str = "version: STSv1\r\nmode: enforce\r\nmx: *.mail.example.com\r\n\
                          mx: mx1.example.com\r\nmax_age: 604800\r\n";

    fn errors(body: &str) -> Vec<PolicyIssue> {
        match parse_policy(body.as_bytes()) {
            Ok(p) => panic!("expected errors, parsed {p:?}"),
            Err(e) => e,
        }
    }

    fn has(issues: &[PolicyIssue], line: usize, needle: &str) -> bool {
        issues
            .iter()
            .any(|i| i.line == line && i.message.contains(needle))
    }

    fn assert_has(issues: &[PolicyIssue], line: usize, needle: &str) {
        assert!(
            has(issues, line, needle),
            "no issue on line {line} containing {needle:?} in {issues:#?}"
        );
    }

    // --- TXT record -------------------------------------------------------

    #[test]
    fn txt_examples_from_rfc_and_the_wild() {
        let t = parse_sts_txt("v=STSv1; id=20160831085700Z;").unwrap();
        assert_eq!(t.id, "20160831085700Z");
        assert!(t.extensions.is_empty());
        assert!(t.warnings.is_empty());
        let t = parse_sts_txt("v=STSv1;id=1").unwrap();
        assert_eq!(t.id, "1");
        let t = parse_sts_txt("v=STSv1;\tid=abcDEF123 ;  ").unwrap();
        assert_eq!(t.id, "abcDEF123");
        assert!(t.warnings.is_empty(), "{:?}", t.warnings);
        let t = parse_sts_txt("v=STSv1; id=2024; ext.a-b_c=x:y/z").unwrap();
        assert_eq!(t.extensions, vec![("ext.a-b_c".into(), "x:y/z".into())]);
        let t = parse_sts_txt(&format!("v=STSv1; id={}", "a".repeat(32))).unwrap();
        assert_eq!(t.id.len(), 32);
    }

    #[test]
    fn txt_id_errors() {
        let e = parse_sts_txt("v=STSv1; id=abc-def").unwrap_err();
        assert_eq!(e, "id must be 1 to 32 letters or digits, got 'abc-def'");
        let e = parse_sts_txt("v=STSv1; id=").unwrap_err();
        assert!(e.contains("got ''"), "{e}");
        let e = parse_sts_txt(&format!("v=STSv1; id={}", "a".repeat(33))).unwrap_err();
        assert!(e.starts_with("id must be 1 to 32"), "{e}");
        let e = parse_sts_txt("v=STSv1; ext=1").unwrap_err();
        assert!(e.contains("no id= field"), "{e}");
        let e = parse_sts_txt("v=STSv1; ID=123").unwrap_err();
        assert!(e.contains("case-sensitive"), "{e}");
        let e = parse_sts_txt("v=STSv1;").unwrap_err();
        assert!(e.contains("no fields"), "{e}");
        let e = parse_sts_txt("v=STSv1").unwrap_err();
        assert!(e.contains("no fields"), "{e}");
    }

    #[test]
    fn txt_layout_errors() {
        let cases = [
            ("V=STSv1; id=1", "must begin with exactly"),
            (" v=STSv1; id=1", "must begin with exactly"),
            ("v=STSv2; id=1", "must begin with exactly"),
            ("v=STSv10; id=1", "followed by ';'"),
            ("v=STSv1 id=1", "expected ';'"),
            ("v=STSv1;; id=1", "empty field"),
            ("v=STSv1; id=1; ;", "empty field"),
            ("v=STSv1; id", "has no '='"),
            ("v=STSv1; id = 1", "field name 'id ' is not valid"),
            ("v=STSv1; id=1; _x=1", "field name '_x'"),
            ("v=STSv1; id=1; x=a b", "has ' '"),
            ("v=STSv1; id=1; x=a=b", "has '='"),
            ("v=STSv1; id=1; x=", "empty value"),
            ("v=STSv1; id=1; é=1", "non-ASCII"),
            ("v=STSv1; id=1; x=\u{7}", "has '\\u{7}'"),
        ];
        for (record, needle) in cases {
            let e = parse_sts_txt(record).unwrap_err();
            assert!(e.contains(needle), "{record:?}: {e}");
        }
        let long = format!("v=STSv1; id=1; {}=1", "a".repeat(33));
        assert!(parse_sts_txt(&long).is_err());
        let ok = format!("v=STSv1; id=1; {}=1", "a".repeat(32));
        assert!(parse_sts_txt(&ok).is_ok());
    }

    #[test]
    fn txt_warnings() {
        let t = parse_sts_txt("v=STSv1; id=1; id=2").unwrap();
        assert_eq!(t.id, "1");
        assert!(t.warnings[0].contains("more than once"), "{:?}", t.warnings);
        let t = parse_sts_txt("v=STSv1 ; id=1").unwrap();
        assert!(t.warnings[0].contains("discarded"), "{:?}", t.warnings);
        let t = parse_sts_txt("v=STSv1; id=1 ").unwrap();
        assert!(
            t.warnings[0].contains("after the last field"),
            "{:?}",
            t.warnings
        );
        let t = parse_sts_txt("v=STSv1; id=1; ID=2").unwrap();
        assert_eq!(t.extensions, vec![("ID".into(), "2".into())]);
        assert!(t.warnings[0].contains("case-sensitive"), "{:?}", t.warnings);
    }

    #[test]
    fn select_txt() {
        let recs = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let t = select_sts_txt(&recs(&[
            "v=spf1 -all",
            "v=STSv1; id=20190429T010101",
            "google-site-verification=abc",
        ]))
        .unwrap();
        assert_eq!(t.id, "20190429T010101");

        let e = select_sts_txt(&recs(&["v=STSv1; id=1", "v=STSv1; id=2"])).unwrap_err();
        assert!(
            e.starts_with(
                "2 records start with v=STSv1; RFC 8461 §3.1 requires exactly one: senders \
                 treat the domain as having no MTA-STS policy"
            ),
            "{e}"
        );
        let e = select_sts_txt(&[]).unwrap_err();
        assert!(e.contains("no TXT record"), "{e}");
        let e = select_sts_txt(&recs(&["v=spf1 -all"])).unwrap_err();
        assert!(
            e.contains("none of the 1 TXT records starts with v=STSv1"),
            "{e}"
        );
        assert!(!e.contains("looks like"), "{e}");

        for (near, why) in [
            ("V=STSv1; id=1", "case-sensitive"),
            ("v=stsv1; id=1", "case-sensitive"),
            ("  v=STSv1; id=1", "starts with whitespace"),
            ("\"v=STSv1; id=1\"", "quote"),
            ("v = STSv1; id=1", "inside the version"),
            ("v=STSv1x; id=1", "followed by other characters"),
        ] {
            let e = select_sts_txt(&recs(&[near])).unwrap_err();
            assert!(e.contains("looks like one but is ignored"), "{near}: {e}");
            assert!(e.contains(why), "{near}: {e}");
        }

        // One candidate that is invalid: the parse error, with the consequence.
        let e = select_sts_txt(&recs(&["v=STSv1; id=a_b"])).unwrap_err();
        assert!(e.contains("id must be 1 to 32"), "{e}");
        assert!(e.contains("no MTA-STS policy"), "{e}");
        // A near miss next to a valid record does not matter.
        assert!(select_sts_txt(&recs(&["V=STSv1; id=1", "v=STSv1; id=2"])).is_ok());
    }

    // --- Policy body ------------------------------------------------------

    #[test]
    fn google_style_policy() {
        let p = parse_policy(GOOGLE.as_bytes()).unwrap();
        assert_eq!(p.version, "STSv1");
        assert_eq!(p.mode, PolicyMode::Enforce);
        assert_eq!(p.max_age, 604_800);
        assert_eq!(p.mx, vec!["*.mail.example.com", "mx1.example.com"]);
        assert!(p.extensions.is_empty());
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert!(p.matches_mx("alt1.mail.example.com"));
        assert!(p.matches_mx("MX1.example.com."));
        assert!(!p.matches_mx("mail.example.com"));
        assert_eq!(p.render(), GOOGLE);
    }

    #[test]
    fn mode_none_needs_no_mx_and_modes_parse() {
        let p = parse_policy(b"version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n").unwrap();
        assert_eq!(p.mode, PolicyMode::None);
        assert!(p.mx.is_empty());
        let p = parse_policy(b"mode: testing\r\nmax_age:86400\r\nmx:a.b\r\nversion:\tSTSv1\r\n")
            .unwrap();
        assert_eq!(p.mode, PolicyMode::Testing);
        assert_eq!(p.mx, vec!["a.b"]);
        for m in [PolicyMode::Enforce, PolicyMode::Testing, PolicyMode::None] {
            assert_eq!(PolicyMode::from_value(m.as_str()), Some(m));
            assert_eq!(m.to_string(), m.as_str());
        }
    }

    #[test]
    fn missing_fields() {
        let e = errors("mx: mx.example.com\r\n");
        assert_has(&e, 0, "version field is missing");
        assert_has(&e, 0, "mode field is missing");
        assert_has(&e, 0, "max_age field is missing");
        assert_eq!(e.len(), 3, "{e:#?}");
        let e = errors("version: STSv1\r\nmode: enforce\r\nmax_age: 86400\r\n");
        assert_has(&e, 0, "no mx field");
        let e = errors("version: STSv1\r\nmode: testing\r\nmax_age: 86400\r\nMX: a.example\r\n");
        assert_has(&e, 0, "no mx field");
        assert_has(&e, 0, "'MX' does not count");
        let e = errors("Version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n");
        assert_has(&e, 0, "'Version' does not count");
        let e = parse_policy(b"").unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(e[0].message.contains("empty"));
    }

    #[test]
    fn bad_values() {
        let e = errors("version: STSv2\r\nmode: enforce\r\nmx: a.example\r\nmax_age: 86400\r\n");
        assert_has(&e, 1, "version must be STSv1");
        assert_eq!(e.len(), 1, "{e:#?}");
        let e = errors("version: stsv1\r\nmode: Enforce\r\nmx: a.example\r\nmax_age: 86400\r\n");
        assert_has(&e, 1, "got 'stsv1'");
        assert_has(&e, 2, "case-sensitive");
        let e = errors("version: STSv1\r\nmode: report\r\nmx: a.example\r\nmax_age: 86400\r\n");
        assert_has(&e, 2, "drafts");
        let e = errors("version: STSv1\r\nmode: strict\r\nmx: a.example\r\nmax_age: 86400\r\n");
        assert_has(&e, 2, "got 'strict'");
        // An invalid mode is reported once, not also as "no mx".
        assert_eq!(e.len(), 1, "{e:#?}");
        for bad in [
            "",
            "-1",
            "1d",
            "86400s",
            "12345678901",
            "1 000",
            "+5",
            "0x10",
        ] {
            let body = format!("version: STSv1\r\nmode: none\r\nmax_age: {bad}\r\n");
            let e = errors(&body);
            assert_has(&e, 3, "max_age must be 1 to 10 digits");
        }
        let e = errors("version: STSv1\r\nmode: none\r\nmax_age: 31557601\r\n");
        assert_has(&e, 3, "above the maximum");
        let e = errors("version: STSv1\r\nmode: none\r\nmax_age: 9999999999\r\n");
        assert_has(&e, 3, "above the maximum");
        let p = parse_policy(b"version: STSv1\r\nmode: none\r\nmax_age: 0031557600\r\n").unwrap();
        assert_eq!(p.max_age, MAX_AGE_LIMIT);
    }

    #[test]
    fn bad_mx_patterns() {
        let cases = [
            ("*", "wildcard"),
            ("*example.com", "wildcard"),
            ("mail.*.example.com", "wildcard"),
            ("*.*.example.com", "wildcard"),
            ("**.example.com", "wildcard"),
            ("*.", "empty"),
            ("", "empty"),
            ("mail.example.com.", "ends with a dot"),
            (".example.com", "empty label"),
            ("mail..example.com", "empty label"),
            ("mail_1.example.com", "'_'"),
            ("mail.example.com:25", "':'"),
            ("https://mail.example.com", "':'"),
            ("-mail.example.com", "starts or ends with '-'"),
            ("mail-.example.com", "starts or ends with '-'"),
            ("bücher.example", "A-labels"),
            ("mx1.example.com mx2.example.com", "' '"),
        ];
        for (mx, needle) in cases {
            let body = format!("version: STSv1\r\nmode: enforce\r\nmx: {mx}\r\nmax_age: 86400\r\n");
            let e = errors(&body);
            assert_has(&e, 3, needle);
            assert!(!has(&e, 0, "no mx field"), "{mx}: {e:#?}");
        }
        let long_label = format!("{}.example.com", "a".repeat(64));
        assert!(
            check_mx_pattern(&long_label)
                .unwrap_err()
                .contains("more than 63")
        );
        let long_name = ["abcdefghi"; 26].join(".");
        assert!(check_mx_pattern(&long_name).unwrap_err().contains("253"));
        for ok in [
            "mx.example.com",
            "*.example.com",
            "MX1.EXAMPLE.COM",
            "xn--bcher-kva.example",
            "a",
            "1.2.3.4",
        ] {
            check_mx_pattern(ok).unwrap();
        }
    }

    #[test]
    fn malformed_lines() {
        let e = errors("version: STSv1\r\nmode enforce\r\nmx: a.example\r\nmax_age: 86400\r\n");
        assert_has(&e, 2, "malformed line 'mode enforce'");
        assert_has(&e, 0, "mode field is missing");
        let e = errors("version: STSv1\r\nmode : none\r\nmax_age: 86400\r\n");
        assert_has(&e, 2, "whitespace before ':'");
        let e = errors("version: STSv1\r\n mode: none\r\nmax_age: 86400\r\n");
        assert_has(&e, 2, "starts with whitespace");
        let e = errors("version: STSv1\r\nmode: none\r\nmax_age: 86400\r\nmax age: 1\r\n");
        assert_has(&e, 4, "field name 'max age' is not valid");
        let e = errors("version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n_x: 1\r\n");
        assert_has(&e, 4, "field name '_x'");
        let e = errors("version: STSv1\r\nmode: none\r\nmax_age: 86400\r\nx:\r\n");
        assert_has(&e, 4, "empty value");
        let e = errors("version: STSv1\r\nmode: none\r\nmax_age: 86400\r\nx: a\u{1}b\r\n");
        assert_has(&e, 4, "control character");
        let e = errors("version: STSv1\rmode: none\rmax_age: 86400\r");
        assert_has(&e, 1, "carriage return");
        // The CR-separated fields are still read: nothing reported missing.
        assert!(!has(&e, 0, "missing"), "{e:#?}");
    }

    #[test]
    fn every_error_is_reported() {
        let e = errors("version: STSv2\nmode: strict\nmx: *.*.example\nmax_age: -1\nbogus\n");
        assert_has(&e, 1, "version");
        assert_has(&e, 2, "mode");
        assert_has(&e, 3, "wildcard");
        assert_has(&e, 4, "max_age");
        assert_has(&e, 5, "malformed");
        assert_eq!(e.len(), 5, "{e:#?}");
    }

    #[test]
    fn not_utf8_and_bom() {
        let mut body = b"version: STSv1\r\nmode: none\r\nmax_age: 86400\r\nx: ".to_vec();
        body.extend_from_slice(&[0xff, 0xfe, b'\r', b'\n']);
        let e = parse_policy(&body).unwrap_err();
        assert_has(&e, 4, "not valid UTF-8");
        let e = errors("\u{feff}version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n");
        assert_has(&e, 1, "byte order mark");
        assert_eq!(e.len(), 1, "{e:#?}");
        // UTF-8 in an extension value is fine.
        let p = parse_policy(
            "version: STSv1\r\nmode: none\r\nmax_age: 86400\r\nnote: Grüße à tous\r\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(p.extensions, vec![("note".into(), "Grüße à tous".into())]);
    }

    #[test]
    fn size_limit() {
        let mut body = String::from("version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n");
        while body.len() <= POLICY_SIZE_LIMIT {
            body.push_str("pad: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n");
        }
        let e = errors(&body);
        assert_has(&e, 0, "64 kilobytes");
        assert_eq!(e.len(), 1, "{e:#?}");
        // Exactly at the limit is fine.
        let mut body = String::from("version: STSv1\r\nmode: none\r\nmax_age: 86400\r\nx: ");
        body.push_str(&"y".repeat(POLICY_SIZE_LIMIT - body.len() - 2));
        body.push_str("\r\n");
        assert_eq!(body.len(), POLICY_SIZE_LIMIT);
        parse_policy(body.as_bytes()).unwrap();
    }

    #[test]
    fn duplicates() {
        let p = parse_policy(
            b"version: STSv1\r\nmode: testing\r\nmode: enforce\r\nmx: a.example\r\n\
              mx: b.example\r\nmax_age: 86400\r\nmax_age: 1\r\nx: 1\r\nx: 2\r\n",
        )
        .unwrap();
        assert_eq!(p.mode, PolicyMode::Testing);
        assert_eq!(p.max_age, 86400);
        assert_eq!(p.mx, vec!["a.example", "b.example"]);
        assert_eq!(p.extensions, vec![("x".into(), "1".into())]);
        assert_has(&p.warnings, 3, "'mode' appears again (first on line 2)");
        assert_has(&p.warnings, 7, "'max_age' appears again");
        assert_has(&p.warnings, 9, "'x' appears again");
        // The first instance is used even when the second would be valid.
        let e = errors("version: STSv1\r\nmode: nope\r\nmode: none\r\nmax_age: 86400\r\n");
        assert_has(&e, 2, "got 'nope'");
        assert!(!has(&e, 0, "missing"), "{e:#?}");
    }

    #[test]
    fn warnings() {
        // Bare LF, trailing whitespace, no final line ending.
        let p = parse_policy(b"version: STSv1\nmode: enforce \r\nmx: a.example\t\nmax_age: 86400")
            .unwrap();
        assert_eq!(p.mode, PolicyMode::Enforce);
        assert_eq!(p.mx, vec!["a.example"]);
        assert_has(&p.warnings, 1, "2 of 3 line endings are a bare LF");
        assert_has(&p.warnings, 2, "trailing whitespace");
        assert_has(&p.warnings, 3, "trailing whitespace");
        assert_has(&p.warnings, 4, "no line ending");
        assert_eq!(p.warnings.len(), 4, "{:#?}", p.warnings);
        // Short max_age, unknown field, case variant, blank lines.
        let p = parse_policy(
            b"version: STSv1\r\n\r\nmode: none\r\n  \r\nmax_age: 3600\r\nfoo: bar baz\r\n\
              Mode: enforce\r\n\r\n",
        )
        .unwrap();
        assert_eq!(p.mode, PolicyMode::None);
        assert_has(&p.warnings, 2, "blank line");
        assert_has(&p.warnings, 4, "only whitespace");
        assert_has(&p.warnings, 5, "less than a day");
        assert_has(&p.warnings, 6, "unknown field 'foo'");
        assert_has(&p.warnings, 7, "case-sensitive");
        assert_has(&p.warnings, 8, "blank line");
        assert_eq!(
            p.extensions,
            vec![
                ("foo".into(), "bar baz".into()),
                ("Mode".into(), "enforce".into())
            ]
        );
        assert_eq!(p.warnings.len(), 6, "{:#?}", p.warnings);
    }

    #[test]
    fn issue_lists_are_capped() {
        let body = "bad\n".repeat(500);
        let e = parse_policy(body.as_bytes()).unwrap_err();
        assert_eq!(e.len(), MAX_ISSUES + 1);
        assert!(e[MAX_ISSUES].message.contains("more problems not listed"));
        assert_eq!(
            e[0].to_string(),
            "line 1: malformed line 'bad': expected \"name: value\" with a ':' (RFC 8461 §3.2)"
        );
    }

    #[test]
    fn mx_matching() {
        assert!(mx_matches("*.example.com", "mail.example.com"));
        assert!(mx_matches("*.Example.COM.", "MAIL.example.com"));
        assert!(mx_matches("*.example.com", "mail.example.com."));
        assert!(!mx_matches("*.example.com", "example.com"));
        assert!(!mx_matches("*.example.com", "foo.bar.example.com"));
        assert!(!mx_matches("*.example.com", ".example.com"));
        assert!(!mx_matches("*.example.com", "mailexample.com"));
        assert!(mx_matches("mail.example.com", "MAIL.EXAMPLE.COM"));
        assert!(!mx_matches("mail.example.com", "mail.example.net"));
        assert!(!mx_matches("example.com", "mail.example.com"));
        assert!(!mx_matches("", ""));
        assert!(!mx_matches("", "."));
    }

    // --- Properties -------------------------------------------------------

    fn label() -> impl Strategy<Value = String> {
        "[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?"
    }

    fn domain() -> impl Strategy<Value = String> {
        proptest::collection::vec(label(), 1..5).prop_map(|l| l.join("."))
    }

    fn mx_pattern() -> impl Strategy<Value = String> {
        (any::<bool>(), domain()).prop_map(|(w, d)| if w { format!("*.{d}") } else { d })
    }

    fn mode() -> impl Strategy<Value = PolicyMode> {
        prop_oneof![
            Just(PolicyMode::Enforce),
            Just(PolicyMode::Testing),
            Just(PolicyMode::None)
        ]
    }

    fn extension() -> impl Strategy<Value = (String, String)> {
        (
            "[a-z0-9][a-z0-9_.-]{0,31}",
            "[!-~é€]([ !-~é€]{0,20}[!-~é€])?",
        )
            .prop_filter("not a defined field", |(n, _)| {
                !["version", "mode", "max_age", "mx"].contains(&n.as_str())
            })
    }

    fn fields() -> impl Strategy<Value = Policy> {
        (
            mode(),
            0..=MAX_AGE_LIMIT,
            proptest::collection::vec(mx_pattern(), 0..5),
            proptest::collection::vec(extension(), 0..4),
        )
            .prop_map(|(mode, max_age, mut mx, mut extensions)| {
                if mode != PolicyMode::None && mx.is_empty() {
                    mx.push("mx.example.com".to_string());
                }
                let mut seen = std::collections::HashSet::new();
                extensions.retain(|(n, _)| seen.insert(n.clone()));
                Policy {
                    version: "STSv1".to_string(),
                    mode,
                    max_age,
                    mx,
                    extensions,
                    warnings: Vec::new(),
                }
            })
    }

    /// A reference model of §4.1 over labels, independent of the string code.
    fn model_matches(wild: bool, pattern: &[String], host: &[String]) -> bool {
        let lower = |v: &[String]| v.iter().map(|l| l.to_ascii_lowercase()).collect::<Vec<_>>();
        let (p, h) = (lower(pattern), lower(host));
        if wild {
            h.len() == p.len() + 1 && h[1..] == p[..]
        } else {
            h == p
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn never_panics_on_bytes(body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_policy(&body);
        }

        #[test]
        fn never_panics_on_policy_like_text(
            body in "((version|mode|max_age|mx|Mx|x)[ :\t]{0,2}(STSv1|enforce|none|[0-9]{1,12}|\\*?\\.?[a-z.*-]{0,12}|\u{feff})[ \t\r]{0,2}(\r\n|\n|\r)?){0,8}"
        ) {
            match parse_policy(body.as_bytes()) {
                Ok(p) => {
                    prop_assert_eq!(p.version.as_str(), "STSv1");
                    prop_assert!(p.max_age <= MAX_AGE_LIMIT);
                    prop_assert!(p.mode == PolicyMode::None || !p.mx.is_empty());
                    for mx in &p.mx {
                        prop_assert!(check_mx_pattern(mx).is_ok());
                    }
                }
                Err(e) => prop_assert!(!e.is_empty()),
            }
        }

        #[test]
        fn txt_never_panics(record in "\\PC{0,80}", tail in "[ ;=a-zA-Z0-9\t.-]{0,40}") {
            let _ = parse_sts_txt(&record);
            let with_version = format!("v=STSv1{tail}");
            if let Ok(t) = parse_sts_txt(&with_version) {
                prop_assert!(is_sts_id(&t.id));
            }
            let _ = select_sts_txt(&[record.clone(), with_version.clone(), with_version]);
        }

        #[test]
        fn rendered_policy_parses_back(
            policy in fields(),
            crlf in any::<bool>(),
            space in "[ \t]{0,2}",
            order in Just((0..16usize).collect::<Vec<_>>()).prop_shuffle(),
        ) {
            // One line per field, in a random order, with random spacing
            // after ':' and either line ending.
            let mut lines = vec![
                format!("version:{space}STSv1"),
                format!("mode:{space}{}", policy.mode),
                format!("max_age:{space}{}", policy.max_age),
            ];
            lines.extend(policy.mx.iter().map(|m| format!("mx:{space}{m}")));
            lines.extend(policy.extensions.iter().map(|(n, v)| format!("{n}:{space}{v}")));
            let mut shuffled: Vec<&String> = order.iter().filter_map(|&i| lines.get(i)).collect();
            shuffled.extend(lines.iter().skip(16));
            let eol = if crlf { "\r\n" } else { "\n" };
            let body: String = shuffled.iter().map(|l| format!("{l}{eol}")).collect();
            let parsed = parse_policy(body.as_bytes());
            prop_assert!(parsed.is_ok(), "{:?}\n{}", parsed, body);
            let parsed = parsed.unwrap();
            prop_assert_eq!(parsed.mode, policy.mode);
            prop_assert_eq!(parsed.max_age, policy.max_age);
            let (mut a, mut b) = (parsed.mx.clone(), policy.mx.clone());
            a.sort();
            b.sort();
            prop_assert_eq!(a, b);
            let (mut a, mut b) = (parsed.extensions.clone(), policy.extensions.clone());
            a.sort();
            b.sort();
            prop_assert_eq!(a, b);
            // And the canonical rendering round-trips exactly.
            let again = parse_policy(parsed.render().as_bytes()).unwrap();
            prop_assert_eq!(
                (&again.version, again.mode, again.max_age, &again.mx, &again.extensions),
                (&parsed.version, parsed.mode, parsed.max_age, &parsed.mx, &parsed.extensions)
            );
        }

        #[test]
        fn mx_matches_agrees_with_model(
            wild in any::<bool>(),
            pattern in proptest::collection::vec("[a-cA-C]{1,2}", 1..4),
            host in proptest::collection::vec("[a-cA-C]{1,2}", 1..5),
            dots in (any::<bool>(), any::<bool>()),
        ) {
            let mut p = pattern.join(".");
            if wild {
                p = format!("*.{p}");
            }
            if dots.0 {
                p.push('.');
            }
            let mut h = host.join(".");
            if dots.1 {
                h.push('.');
            }
            prop_assert_eq!(mx_matches(&p, &h), model_matches(wild, &pattern, &host), "{} vs {}", p, h);
        }

        #[test]
        fn wildcard_matches_one_more_label(parent in domain(), first in label(), second in label()) {
            let pattern = format!("*.{parent}");
            let one = format!("{first}.{parent}");
            let upper = one.to_uppercase();
            let two = format!("{first}.{second}.{parent}");
            prop_assert!(mx_matches(&pattern, &one));
            prop_assert!(mx_matches(&pattern, &upper));
            prop_assert!(!mx_matches(&pattern, &parent));
            prop_assert!(!mx_matches(&pattern, &two));
            prop_assert!(mx_matches(&parent, &parent.to_uppercase()));
        }
    }
}
