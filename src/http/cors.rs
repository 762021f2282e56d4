//! CORS as Saleor answers it (`saleor/asgi/cors_handler.py`), so browser clients that send
//! credentialed cross-origin requests (the Saleor dashboard, apps in iframes) work:
//! - an `Origin` matching one of the allowed patterns (`BIZGRAPH_CORS_ORIGINS`, shell-style
//!   globs such as `https://*.example.com`; `*` by default) is echoed in
//!   `Access-Control-Allow-Origin`, with `Vary: Origin`;
//! - every response allows credentials;
//! - a preflight (`OPTIONS`) is answered here: 200 with the allowed methods and headers when
//!   the origin matches, 400 otherwise.
//!
//! Requests without an `Origin` (servers, curl) are untouched but for the credentials header.

use axum::{
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// The request headers a browser may send: Saleor's list (`Authorization-Bearer` is the
/// dashboard's token header) and our `X-Request-Id`.
const ALLOWED_HEADERS: &str = "Accept, Authorization, Authorization-Bearer, Content-Type, \
     Origin, Source-Service-Name, X-Request-Id";
const ALLOWED_METHODS: &str = "GET, POST, OPTIONS";

/// The origins allowed to call the API, from `BIZGRAPH_CORS_ORIGINS`.
#[derive(Clone, Debug)]
pub struct AllowedOrigins(Vec<String>);

impl AllowedOrigins {
    /// Parses a comma-separated list of origin patterns (empty entries ignored).
    pub fn parse(list: &str) -> Self {
        Self(
            list.split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    }

    /// Whether `origin` matches one of the patterns (case-sensitive, as Saleor's
    /// `fnmatchcase`).
    pub fn allows(&self, origin: &str) -> bool {
        self.0.iter().any(|pattern| glob_match(pattern, origin))
    }
}

/// The CORS middleware.
pub async fn middleware(
    State(origins): State<AllowedOrigins>,
    request: Request,
    next: Next,
) -> Response {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .filter(|o| o.to_str().is_ok_and(|o| origins.allows(o)))
        .cloned();
    if request.method() == Method::OPTIONS {
        return preflight(origin);
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        add_vary_origin(headers);
    }
    response
}

fn preflight(origin: Option<HeaderValue>) -> Response {
    let status = if origin.is_some() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut response = status.into_response();
    let headers = response.headers_mut();
    let fixed = [
        (header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true"),
        (header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS),
        (header::ACCESS_CONTROL_ALLOW_METHODS, ALLOWED_METHODS),
        (header::ACCESS_CONTROL_MAX_AGE, "600"),
        (header::VARY, "Origin"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    response
}

/// Adds `Origin` to the response's `Vary` header (keeping what the handler put there).
fn add_vary_origin(headers: &mut HeaderMap) {
    let existing = headers
        .get(header::VARY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if existing
        .split(',')
        .any(|v| v.trim().eq_ignore_ascii_case("origin") || v.trim() == "*")
    {
        return;
    }
    let value = if existing.is_empty() {
        "Origin".to_owned()
    } else {
        format!("{existing}, Origin")
    };
    if let Ok(value) = HeaderValue::from_str(&value) {
        headers.insert(header::VARY, value);
    }
}

/// Shell-style matching as Python's `fnmatchcase`: `*` any run, `?` one character, `[…]`
/// a set (`[!…]` negated); everything else literal.
fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative matching with backtracking to the last `*`.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                '?' => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                '[' => match class_match(&p, pi, t[ti]) {
                    Some((true, next)) => {
                        pi = next;
                        ti += 1;
                        continue;
                    }
                    Some((false, _)) => {}
                    // An unclosed `[` is a literal.
                    None if t[ti] == '[' => {
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                    None => {}
                },
                c if c == t[ti] => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Matches `c` against the set starting at `p[start] == '['`: `Some((matched, index after
/// the set))`, or `None` when the set is not closed.
fn class_match(p: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negated = p.get(i) == Some(&'!');
    if negated {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < p.len() {
        if p[i] == ']' && !first {
            return Some((matched != negated, i + 1));
        }
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            matched |= p[i] <= c && c <= p[i + 2];
            i += 3;
        } else {
            matched |= p[i] == c;
            i += 1;
        }
        first = false;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_like_fnmatchcase() {
        assert!(glob_match("*", "https://shop.example.com"));
        assert!(glob_match(
            "https://*.example.com",
            "https://admin.example.com"
        ));
        assert!(!glob_match("https://*.example.com", "https://example.com"));
        assert!(!glob_match(
            "https://*.example.com",
            "https://evil.com/.example.com.x"
        ));
        assert!(glob_match("http://localhost:900?", "http://localhost:9000"));
        assert!(!glob_match(
            "http://localhost:900?",
            "http://localhost:90000"
        ));
        assert!(glob_match(
            "http://localhost:[89]000",
            "http://localhost:8000"
        ));
        assert!(!glob_match(
            "http://localhost:[!89]000",
            "http://localhost:8000"
        ));
        assert!(glob_match("http://a[0-9]", "http://a5"));
        assert!(!glob_match("HTTPS://A.COM", "https://a.com"));
        assert!(glob_match("x[", "x["));
    }

    #[test]
    fn the_origin_list_is_comma_separated() {
        let origins = AllowedOrigins::parse(" https://a.com , ,https://*.b.com");
        assert!(origins.allows("https://a.com"));
        assert!(origins.allows("https://x.b.com"));
        assert!(!origins.allows("https://c.com"));
        assert!(!AllowedOrigins::parse("").allows("https://a.com"));
    }
}
