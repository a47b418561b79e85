//! Rendering: the report model as text for people and as one HTML page (`html`); metrics will
//! join here.
//!
//! Imports `model` and `judge` (the registry's words). Every string that came from the network
//! is made safe for its medium here: for the terminal by [`safe`], applied to the whole report
//! before the text (or the page, then escaped for HTML too) is made.

pub mod capture;
pub mod html;
pub mod safe;
pub mod text;
