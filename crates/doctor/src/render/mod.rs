//! Rendering: the report model as text for people, as one HTML page ([`html`]) and as
//! Prometheus metrics ([`metrics`]).
//!
//! Imports `model` and `judge` (the registry's words). Every string that came from the network
//! is made safe for its medium here: for the terminal by [`safe`], applied to the whole report
//! before the text (or the page, then escaped for HTML too) is made; for the metrics' label
//! values by [`metrics::escape_label_value`].

pub mod capture;
pub mod html;
pub mod metrics;
pub mod safe;
pub mod text;
