//! The pages serve makes itself: the form and the error page. The report page is
//! `doctor::render::html::render_html`. No inline script anywhere (the Content-Security-Policy
//! allows scripts from this server only); every value shown is HTML-escaped.

use doctor::render::html::esc;

/// The form's and the error page's style (inline styles are allowed; scripts are not).
const CSS: &str = "body{font-family:system-ui,sans-serif;margin:0;padding:0 1em 2em;max-width:44em;\
line-height:1.4;color:#222;background:#fff}h1{font-size:1.3em}label{display:block;margin:.8em 0 .2em;font-weight:bold}\
input[type=text],select{width:100%;box-sizing:border-box;padding:.5em;font-size:1em}\
fieldset{border:1px solid #ccc;border-radius:6px;margin:.8em 0}fieldset label{display:inline-block;font-weight:normal;margin:.2em 1em .2em 0}\
button{margin-top:1em;padding:.6em 1.4em;font-size:1em}.muted{color:#666;font-size:.9em}\
#progress{margin:1em 0;padding:.6em .8em;border:1px solid #ccc;border-radius:6px;white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:.85em}\
#progress[hidden]{display:none}.error{padding:.8em 1em;border-radius:6px;background:#6a1b9a;color:#fff}";

fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{}</title><style>{CSS}</style></head><body>\n",
        esc(title)
    )
}

/// `GET /`: the form. It works without JavaScript (a GET to /check); with it, app.js shows the
/// check's phases as they happen.
pub fn form(modules: &[String], version: &str) -> String {
    let mut o = head("smtp-tls-doctor");
    o.push_str("<h1>smtp-tls-doctor</h1><p class=\"muted\">Why does TLS to this mail server fail, and what to change?</p>\n");
    o.push_str("<form id=\"check-form\" method=\"get\" action=\"/check\">\n");
    o.push_str("<label for=\"target\">Mail server (host[:port]) or mail domain</label>\
<input type=\"text\" id=\"target\" name=\"target\" required maxlength=\"300\" placeholder=\"mx.example.com:25 or example.com\" autocapitalize=\"off\" autocorrect=\"off\" spellcheck=\"false\">\n");
    o.push_str("<label for=\"module\">Module</label><select id=\"module\" name=\"module\">");
    for m in modules {
        let sel = if m == super::config::DEFAULT_MODULE {
            " selected"
        } else {
            ""
        };
        o.push_str(&format!("<option value=\"{0}\"{sel}>{0}</option>", esc(m)));
    }
    o.push_str("</select>\n");
    o.push_str("<label for=\"names\">Further names the certificate must cover (optional)</label>\
<input type=\"text\" id=\"names\" name=\"names\" maxlength=\"1000\" placeholder=\"mail.example.com, smtp.example.com\" autocapitalize=\"off\" spellcheck=\"false\">\n");
    o.push_str("<fieldset><legend>Simulate peers</legend>");
    for p in doctor::judge::simulate::profiles() {
        o.push_str(&format!(
            "<label><input type=\"checkbox\" name=\"as\" value=\"{}\"> {}</label>",
            esc(&p.id),
            esc(&p.name)
        ));
    }
    o.push_str("</fieldset>\n");
    o.push_str("<label><input type=\"checkbox\" id=\"quick\" name=\"quick\" value=\"1\"> Quick: one handshake, no scan of versions and cipher suites</label>\n");
    o.push_str("<button type=\"submit\" id=\"submit\">Check</button>\n</form>\n");
    o.push_str("<div id=\"progress\" role=\"status\" aria-live=\"polite\" hidden></div>\n");
    o.push_str(&format!(
        "<p class=\"muted\">The report is also available as JSON (POST /api/check) and as Prometheus metrics (/probe?target=...). smtp-tls-doctor {}</p>\n",
        esc(version)
    ));
    o.push_str(&format!(
        "<script src=\"/assets/app.js?v={}\"></script>\n</body></html>\n",
        esc(version)
    ));
    o
}

/// An error page: what went wrong and what to do.
pub fn error(status: u16, title: &str, message: &str) -> String {
    let mut o = head(&format!("{status} {title}"));
    o.push_str(&format!(
        "<h1>{} {}</h1><p class=\"error\" id=\"error\">{}</p><p><a href=\"/\">Back to the form</a></p>\n</body></html>\n",
        status,
        esc(title),
        esc(message)
    ));
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_has_its_fields_and_no_inline_script() {
        let f = form(&["default".into(), "lab<x>".into()], "0.1");
        for needle in [
            "<form id=\"check-form\" method=\"get\" action=\"/check\">",
            "name=\"target\"",
            "name=\"module\"",
            "name=\"names\"",
            "name=\"as\" value=\"gmail-mx\"",
            "name=\"quick\" value=\"1\"",
            "id=\"submit\"",
            "id=\"progress\"",
            "lab&lt;x&gt;",
        ] {
            assert!(f.contains(needle), "{needle}: {f}");
        }
        assert_eq!(f.matches("<script").count(), 1);
        assert!(f.contains("<script src=\"/assets/app.js?v=0.1\"></script>"));
        let e = error(403, "Refused", "<img src=x onerror=alert(1)>");
        assert!(!e.contains("<img"));
    }
}
