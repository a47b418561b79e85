//! The exporter's own metrics (`GET /metrics`), in the Prometheus text format 0.0.4.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the probe duration histogram, in seconds.
const BUCKETS: [f64; 10] = [0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0];

/// Why a request was refused, as the `reason` label.
pub const REASONS: [&str; 5] = ["allowlist", "private", "rate-limit", "busy", "too-large"];

#[derive(Default)]
struct Inner {
    probes: BTreeMap<(String, String), u64>,
    duration_buckets: [u64; BUCKETS.len()],
    duration_count: u64,
    duration_sum: f64,
    requests: BTreeMap<(&'static str, u16), u64>,
    cache_hits: u64,
    refused: BTreeMap<&'static str, u64>,
}

#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

/// A label value escaped (backslash, double quote, newline).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    fn with(&self, f: impl FnOnce(&mut Inner)) {
        let mut g = match self.inner.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        f(&mut g);
    }

    /// A check ran: its module, its result (the verdict status, or `failed`), its duration.
    pub fn probe(&self, module: &str, result: &str, d: Duration) {
        self.with(|m| {
            *m.probes
                .entry((module.to_string(), result.to_string()))
                .or_default() += 1;
            let s = d.as_secs_f64();
            for (i, le) in BUCKETS.iter().enumerate() {
                if s <= *le
                    && let Some(b) = m.duration_buckets.get_mut(i)
                {
                    *b += 1;
                }
            }
            m.duration_count += 1;
            m.duration_sum += s;
        });
    }

    pub fn request(&self, route: &'static str, status: u16) {
        self.with(|m| *m.requests.entry((route, status)).or_default() += 1);
    }

    pub fn cache_hit(&self) {
        self.with(|m| m.cache_hits += 1);
    }

    pub fn refused(&self, reason: &'static str) {
        self.with(|m| *m.refused.entry(reason).or_default() += 1);
    }

    /// The metrics, with `in_flight` checks running now (the slots taken).
    pub fn render(&self, in_flight: usize) -> String {
        let mut o = String::new();
        self.with(|m| {
            o.push_str("# HELP smtp_tls_doctor_probes_total Checks run (cache hits not counted), by module and result (ok, warnings, problems, error: the verdict; failed: not checked at all).\n# TYPE smtp_tls_doctor_probes_total counter\n");
            for ((module, result), n) in &m.probes {
                let _ = writeln!(o, "smtp_tls_doctor_probes_total{{module=\"{}\",result=\"{}\"}} {n}", label(module), label(result));
            }
            o.push_str("# HELP smtp_tls_doctor_probe_duration_seconds How long checks took.\n# TYPE smtp_tls_doctor_probe_duration_seconds histogram\n");
            for (le, n) in BUCKETS.iter().zip(m.duration_buckets.iter()) {
                let _ = writeln!(o, "smtp_tls_doctor_probe_duration_seconds_bucket{{le=\"{le}\"}} {n}");
            }
            let _ = writeln!(o, "smtp_tls_doctor_probe_duration_seconds_bucket{{le=\"+Inf\"}} {}", m.duration_count);
            let _ = writeln!(o, "smtp_tls_doctor_probe_duration_seconds_sum {}", m.duration_sum);
            let _ = writeln!(o, "smtp_tls_doctor_probe_duration_seconds_count {}", m.duration_count);
            o.push_str("# HELP smtp_tls_doctor_requests_total HTTP requests answered, by route and status.\n# TYPE smtp_tls_doctor_requests_total counter\n");
            for ((route, status), n) in &m.requests {
                let _ = writeln!(o, "smtp_tls_doctor_requests_total{{route=\"{}\",status=\"{status}\"}} {n}", label(route));
            }
            o.push_str("# HELP smtp_tls_doctor_cache_hits_total Requests answered from a result younger than the module's min_interval.\n# TYPE smtp_tls_doctor_cache_hits_total counter\n");
            let _ = writeln!(o, "smtp_tls_doctor_cache_hits_total {}", m.cache_hits);
            o.push_str("# HELP smtp_tls_doctor_refused_total Requests refused, by reason (allowlist, private, rate-limit, busy, too-large).\n# TYPE smtp_tls_doctor_refused_total counter\n");
            for reason in REASONS {
                let n = m.refused.get(reason).copied().unwrap_or(0);
                let _ = writeln!(o, "smtp_tls_doctor_refused_total{{reason=\"{reason}\"}} {n}");
            }
            o.push_str("# HELP smtp_tls_doctor_checks_in_flight Checks running now.\n# TYPE smtp_tls_doctor_checks_in_flight gauge\n");
            let _ = writeln!(o, "smtp_tls_doctor_checks_in_flight {in_flight}");
        });
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative() {
        let m = Metrics::default();
        m.probe("default", "ok", Duration::from_millis(700));
        m.probe("lab\"x", "problems", Duration::from_secs(40));
        m.refused("busy");
        let t = m.render(0);
        assert!(
            t.contains("smtp_tls_doctor_probe_duration_seconds_bucket{le=\"0.5\"} 0\n"),
            "{t}"
        );
        assert!(
            t.contains("smtp_tls_doctor_probe_duration_seconds_bucket{le=\"1\"} 1\n"),
            "{t}"
        );
        assert!(
            t.contains("smtp_tls_doctor_probe_duration_seconds_bucket{le=\"60\"} 2\n"),
            "{t}"
        );
        assert!(
            t.contains("smtp_tls_doctor_probe_duration_seconds_count 2\n"),
            "{t}"
        );
        assert!(t.contains("module=\"lab\\\"x\""), "{t}");
        assert!(
            t.contains("smtp_tls_doctor_refused_total{reason=\"busy\"} 1\n"),
            "{t}"
        );
        assert!(
            t.contains("smtp_tls_doctor_refused_total{reason=\"private\"} 0\n"),
            "{t}"
        );
    }
}
