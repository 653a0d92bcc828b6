//! Request signatures: the canonical string PyODPS signs and the two ways it signs it.
//!
//! Follow `POST /api/projects/demo/authorization?curr_project=demo` from PyODPS with
//! `Authorization: ODPS AKID:QL7y...=`. [`canonical`] strips the mount prefix `/api` (the
//! signed resource is relative to the client's endpoint), percent-decodes the whole rest once,
//! drops a `;params` piece of the last path segment, form-decodes the query again, keeps the
//! last value of a repeated key and sorts the keys (`?a=&b=1` signs as `?a&b=1`); then come the
//! method, `content-md5`, `content-type` and `date` as bare values and every `x-odps-*` header
//! (and `x-odps-*` query parameter) as `name:value`, in name order. [`parse_authorization`]
//! splits the header at its last `:`; a credential with `/` in it is a v4 scope
//! (`AKID/20260105/cn-hangzhou/odps/aliyun_v4_request`). [`Credential::verify`] recomputes the
//! HMAC — SHA-1 keyed by the secret (v2), or SHA-1 keyed by a chain of SHA-256 HMACs over the
//! scope (v4) — and compares in constant time (`Mac::verify_slice`).

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;
use std::collections::BTreeMap;

/// The signing scheme of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheme {
    /// `ODPS <ak>:<sig>`.
    V2,
    /// `ODPS <ak>/<yyyymmdd>/<region>/odps/<prefix>_request:<sig>`.
    V4 {
        date: String,
        region: String,
        prefix: String,
    },
}

/// A parsed `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub access_id: String,
    pub scheme: Scheme,
    pub signature: String,
}

/// `ODPS <cred>:<sig>`, or `None` when the header is not of that form.
pub fn parse_authorization(header: &str) -> Option<Credential> {
    let rest = header.trim().strip_prefix("ODPS ")?;
    let (cred, signature) = rest.rsplit_once(':')?;
    if signature.is_empty() || cred.is_empty() {
        return None;
    }
    if !cred.contains('/') {
        return Some(Credential {
            access_id: cred.to_string(),
            scheme: Scheme::V2,
            signature: signature.to_string(),
        });
    }
    let parts: Vec<&str> = cred.split('/').collect();
    let [ak, date, region, "odps", request] = parts.as_slice() else {
        return None;
    };
    let prefix = request.strip_suffix("_request")?;
    if ak.is_empty() || region.is_empty() || prefix.is_empty() {
        return None;
    }
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(Credential {
        access_id: ak.to_string(),
        scheme: Scheme::V4 {
            date: date.to_string(),
            region: region.to_string(),
            prefix: prefix.to_string(),
        },
        signature: signature.to_string(),
    })
}

type HmacSha1 = Hmac<Sha1>;
type HmacSha256 = Hmac<Sha256>;

fn hmac256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length, so `new_from_slice` cannot fail.
    match HmacSha256::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(msg);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

impl Credential {
    /// The key the final HMAC-SHA1 is computed with.
    fn signing_key(&self, secret: &str) -> Vec<u8> {
        match &self.scheme {
            Scheme::V2 => secret.as_bytes().to_vec(),
            Scheme::V4 {
                date,
                region,
                prefix,
            } => {
                let k = hmac256(format!("{prefix}{secret}").as_bytes(), date.as_bytes());
                let k = hmac256(&k, region.as_bytes());
                let k = hmac256(&k, b"odps");
                hmac256(&k, format!("{prefix}_request").as_bytes())
            }
        }
    }

    /// Whether the signature is that of `canonical` under `secret`, compared in constant time.
    pub fn verify(&self, secret: &str, canonical: &str) -> bool {
        let Ok(given) = base64::engine::general_purpose::STANDARD.decode(&self.signature) else {
            return false;
        };
        let Ok(mut mac) = HmacSha1::new_from_slice(&self.signing_key(secret)) else {
            return false;
        };
        mac.update(canonical.as_bytes());
        mac.verify_slice(&given).is_ok()
    }
}

/// The signature a client holding `secret` sends for `canonical` (tests and the client side).
pub fn sign(credential_scheme: &Scheme, secret: &str, canonical: &str) -> String {
    let cred = Credential {
        access_id: String::new(),
        scheme: credential_scheme.clone(),
        signature: String::new(),
    };
    let key = cred.signing_key(secret);
    match HmacSha1::new_from_slice(&key) {
        Ok(mut mac) => {
            mac.update(canonical.as_bytes());
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// The request target relative to the client's endpoint: without the mount prefix when the
/// target starts with it and a `/`, else as received (a client whose endpoint has no prefix).
pub fn relative_target<'a>(target: &'a str, prefix: &str) -> &'a str {
    if prefix.is_empty() {
        return target;
    }
    match target.strip_prefix(prefix) {
        Some(rest) if rest.starts_with('/') => rest,
        _ => target,
    }
}

/// The canonical string of a request. `target` is the raw request target (path and query as
/// received), `headers` every request header (names in any case).
pub fn canonical<'h>(
    method: &str,
    target: &str,
    prefix: &str,
    headers: impl IntoIterator<Item = (&'h str, &'h str)>,
) -> String {
    let relative = relative_target(target, prefix);
    let decoded = percent_encoding::percent_decode_str(relative).decode_utf8_lossy();
    let (path, query) = match decoded.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (decoded.as_ref(), None),
    };
    // A `;params` piece of the last path segment is not signed (Python's `urlparse`).
    let last_slash = path.rfind('/').unwrap_or(0);
    let path = match path[last_slash..].find(';') {
        Some(at) => &path[..last_slash + at],
        None => path,
    };
    let params: BTreeMap<String, String> = match query {
        Some(q) => form_urlencoded::parse(q.as_bytes()).into_owned().collect(),
        None => BTreeMap::new(),
    };

    let mut signed: BTreeMap<String, String> = BTreeMap::new();
    signed.insert("content-md5".into(), String::new());
    signed.insert("content-type".into(), String::new());
    for (name, value) in headers {
        let name = name.to_ascii_lowercase();
        if name == "content-md5"
            || name == "content-type"
            || name == "date"
            || name.starts_with("x-odps-")
        {
            signed.insert(name, value.to_string());
        }
    }
    for (key, value) in &params {
        if key.starts_with("x-odps-") {
            signed.insert(key.clone(), value.clone());
        }
    }
    signed.entry("date".into()).or_default();

    let mut resource = path.to_string();
    if query.is_some() {
        let joined: Vec<String> = params
            .iter()
            .map(|(k, v)| {
                if v.is_empty() {
                    k.clone()
                } else {
                    format!("{k}={v}")
                }
            })
            .collect();
        resource.push('?');
        resource.push_str(&joined.join("&"));
    }

    let mut lines = vec![method.to_ascii_uppercase()];
    for (name, value) in &signed {
        match name.as_str() {
            "content-md5" | "content-type" | "date" => lines.push(value.clone()),
            _ => lines.push(format!("{name}:{value}")),
        }
    }
    lines.push(resource);
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATE: &str = "Mon, 05 Jan 2026 08:00:00 GMT";

    fn v4() -> Scheme {
        Scheme::V4 {
            date: "20260105".into(),
            region: "cn-hangzhou".into(),
            prefix: "aliyun_v4".into(),
        }
    }

    fn check(canon: &str, v2: &str, v4_sig: &str) {
        assert_eq!(sign(&Scheme::V2, "SECRET_EXAMPLE", canon), v2);
        assert_eq!(sign(&v4(), "SECRET_EXAMPLE", canon), v4_sig);
        let cred = parse_authorization(&format!("ODPS AKID_EXAMPLE:{v2}")).unwrap();
        assert!(cred.verify("SECRET_EXAMPLE", canon));
        assert!(!cred.verify("SECRET_OTHER", canon));
        let cred = parse_authorization(&format!(
            "ODPS AKID_EXAMPLE/20260105/cn-hangzhou/odps/aliyun_v4_request:{v4_sig}"
        ))
        .unwrap();
        assert_eq!(cred.access_id, "AKID_EXAMPLE");
        assert!(cred.verify("SECRET_EXAMPLE", canon));
        assert!(!cred.verify("SECRET_EXAMPLE", &format!("{canon}x")));
    }

    #[test]
    fn vector_a_security_query() {
        let canon = canonical(
            "POST",
            "/api/projects/demo/authorization?curr_project=demo",
            "/api",
            [
                ("Content-Type", "application/xml"),
                ("x-odps-user-agent", "pyodps/0.13.2"),
                ("Date", DATE),
                ("User-Agent", "unsigned"),
            ],
        );
        assert_eq!(canon, "POST\n\napplication/xml\nMon, 05 Jan 2026 08:00:00 GMT\nx-odps-user-agent:pyodps/0.13.2\n/projects/demo/authorization?curr_project=demo");
        check(
            &canon,
            "QL7yBYHhmqi44pwcBeiYHqLHxD0=",
            "8C2YpL1AXfKXBwAbETaIehOCz4w=",
        );
    }

    #[test]
    fn vector_b_escaped_path_and_blank_parameters() {
        let canon = canonical(
            "GET",
            "/api/projects/demo/users/ALIYUN%24bob%40example.com?type=displayname&roles=&curr_project=demo",
            "/api",
            [("x-odps-user-agent", "ua"), ("Date", DATE)],
        );
        assert_eq!(canon, "GET\n\n\nMon, 05 Jan 2026 08:00:00 GMT\nx-odps-user-agent:ua\n/projects/demo/users/ALIYUN$bob@example.com?curr_project=demo&roles&type=displayname");
        check(
            &canon,
            "aF06TvGYp8IV8VXFlS9eRer40ow=",
            "eQ59OBeCNjYMGegDJc0a1+7xcgQ=",
        );
    }

    #[test]
    fn vector_c_every_signed_header_kind() {
        let canon = canonical(
            "PUT",
            "/api/projects/demo?policy=&curr_project=demo&x-odps-extra=q1",
            "/api",
            [
                ("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="),
                ("X-ODPS-Namespace-Id", "ns1"),
                ("x-odps-user-agent", "ua"),
                ("x-odpsfoo", "ignored"),
                ("Date", DATE),
            ],
        );
        assert_eq!(canon, "PUT\n1B2M2Y8AsgTpgAmY7PhCfg==\n\nMon, 05 Jan 2026 08:00:00 GMT\nx-odps-extra:q1\nx-odps-namespace-id:ns1\nx-odps-user-agent:ua\n/projects/demo?curr_project=demo&policy&x-odps-extra=q1");
        check(
            &canon,
            "+u3sRxOtzPelZJQhFpJetKu8wUo=",
            "xvUacW1kuwTLx8khU4u8qavI7Ps=",
        );
    }

    #[test]
    fn vector_d_bare_action_flag() {
        let canon = canonical(
            "GET",
            "/api/projects/demo?security_configuration&curr_project=demo",
            "/api",
            [("x-odps-user-agent", "ua"), ("Date", DATE)],
        );
        assert_eq!(canon, "GET\n\n\nMon, 05 Jan 2026 08:00:00 GMT\nx-odps-user-agent:ua\n/projects/demo?curr_project=demo&security_configuration");
        check(
            &canon,
            "Z4UGKE0uHGVcmvnZCPiZnhArb/g=",
            "F2UHsMmm9uDwvUh0HhDI3w8lBfI=",
        );
    }

    #[test]
    fn edge_names_sign_decoded() {
        let at = |target: &str| {
            canonical("GET", target, "/api", [("Date", DATE)])
                .lines()
                .last()
                .unwrap()
                .to_string()
        };
        assert_eq!(at("/api/projects/p/users/a%2Fb"), "/projects/p/users/a/b");
        assert_eq!(
            at("/api/projects/p/users/x%20y%2Bz%2541"),
            "/projects/p/users/x y+z%41"
        );
        assert_eq!(
            at("/api/projects/p/users/%C3%BC%E4%B8%AD"),
            "/projects/p/users/ü中"
        );
        assert_eq!(at("/api/projects/p?k=1&k=2"), "/projects/p?k=2");
        assert_eq!(
            at("/api/projects/p/roles/r;v=1?x=1"),
            "/projects/p/roles/r?x=1"
        );
        // Without the mount prefix (an endpoint with no `/api`) the target is used as it is.
        assert_eq!(at("/projects/p"), "/projects/p");
        assert_eq!(at("/apix/projects/p"), "/apix/projects/p");
    }

    #[test]
    fn malformed_authorization_headers_are_refused() {
        for bad in [
            "",
            "ODPS",
            "ODPS ak",
            "ODPS :sig",
            "ODPS ak:",
            "Basic ak:sig",
            "ODPS ak/2026/cn/odps/aliyun_v4_request:sig",
            "ODPS ak/20260105/cn/oss/aliyun_v4_request:sig",
            "ODPS ak/20260105/cn/odps/aliyun_v4:sig",
        ] {
            assert_eq!(parse_authorization(bad), None, "{bad}");
        }
        let cred = parse_authorization("ODPS a:b:c").unwrap();
        assert_eq!(
            (cred.access_id.as_str(), cred.signature.as_str()),
            ("a:b", "c")
        );
        assert!(!cred.verify("s", "x"));
        let not_base64 = parse_authorization("ODPS ak:!!!").unwrap();
        assert!(!not_base64.verify("s", "x"));
    }
}
