//! Image references (`[domain[:port]/]path[:tag][@sha256:hex]`) parsed and
//! normalised the way Docker and Podman do it (the grammar of
//! distribution/reference and `ParseNormalizedNamed`), so that `alpine`,
//! `docker.io/alpine` and `index.docker.io/library/alpine:latest` all name
//! the same thing everywhere in berth. This is L0: it knows nothing of the
//! store or the network, it only turns strings into checked names and back.

use std::fmt;
use std::str::FromStr;

/// The registry of short names, as in Docker and Podman's default config.
pub const DEFAULT_REGISTRY: &str = "docker.io";
/// The registry that names images made locally (`build -t foo`, `tag`,
/// `commit`), as Podman shows them: `localhost/foo:latest`.
pub const LOCAL_REGISTRY: &str = "localhost";
/// The tag used when a reference has neither a tag nor a digest.
pub const DEFAULT_TAG: &str = "latest";

/// Docker Hub's old name; normalised to [`DEFAULT_REGISTRY`].
const LEGACY_DEFAULT_REGISTRY: &str = "index.docker.io";
/// Single-component Docker Hub names are official images under `library/`.
const OFFICIAL_PREFIX: &str = "library/";
/// distribution/reference `NameTotalLengthMax`: domain + `/` + path.
const NAME_TOTAL_LENGTH_MAX: usize = 255;
/// distribution/reference: a tag is `[\w][\w.-]{0,127}`.
const TAG_LENGTH_MAX: usize = 128;

/// A parsed, normalised image reference.
///
/// `tag` is `Some("latest")` when the input had neither tag nor digest; a
/// reference may carry both a tag and a digest (`alpine:3.20@sha256:…`), in
/// which case the digest is what identifies the image.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    /// `docker.io`, `quay.io`, `localhost:5000`, `[::1]:5000`, …
    pub registry: String,
    /// The path inside the registry, e.g. `library/alpine`.
    pub repository: String,
    pub tag: Option<String>,
    /// A validated `sha256:<64 lowercase hex>` string.
    pub digest: Option<String>,
}

impl Reference {
    /// Parse as `docker pull` does: a name without a domain is on
    /// `docker.io`, and a one-component Docker Hub name gets `library/`.
    pub fn parse(s: &str) -> Result<Reference, ReferenceError> {
        parse_with(s, DEFAULT_REGISTRY)
    }

    /// Parse a name given for the local store (`build -t`, `tag`, `commit`)
    /// as Podman does: a name without a domain is `localhost/<name>`
    /// (`foo:bar` → `localhost/foo:bar`, never `library/`), and a name with a
    /// domain is normalised as by [`Reference::parse`].
    pub fn parse_local(s: &str) -> Result<Reference, ReferenceError> {
        parse_with(s, LOCAL_REGISTRY)
    }

    /// `registry/repository`, without tag or digest.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The short form Docker shows (`alpine:latest`, `foo/bar:1`,
    /// `quay.io/x/y:2`): the `docker.io/` domain and the `library/` prefix
    /// of official images are left out.
    pub fn familiar(&self) -> String {
        let mut s = if self.registry == DEFAULT_REGISTRY {
            match self.repository.strip_prefix(OFFICIAL_PREFIX) {
                Some(rest) if !rest.contains('/') => rest.to_string(),
                _ => self.repository.clone(),
            }
        } else {
            self.name()
        };
        self.push_suffix(&mut s);
        s
    }

    fn push_suffix(&self, s: &mut String) {
        if let Some(tag) = &self.tag {
            s.push(':');
            s.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            s.push('@');
            s.push_str(digest);
        }
    }
}

/// The full normalised form: `docker.io/library/alpine:latest`, with
/// `@sha256:…` when a digest is present.
impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = self.name();
        self.push_suffix(&mut s);
        f.write_str(&s)
    }
}

impl FromStr for Reference {
    type Err = ReferenceError;
    fn from_str(s: &str) -> Result<Reference, ReferenceError> {
        Reference::parse(s)
    }
}

impl serde::Serialize for Reference {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Reference {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Reference, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Why a reference was refused. Every variant keeps the input as given, and
/// the message quotes it: `invalid reference format "Foo:bar": repository
/// name must be lowercase`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferenceError {
    /// The input is empty.
    Empty,
    /// The repository path has an upper-case letter.
    Uppercase(String),
    /// `registry/repository` is longer than 255 characters.
    TooLong(String),
    /// The digest is not `sha256:` followed by 64 lowercase hex digits.
    Digest { input: String, why: String },
    /// Any other break of the grammar; `why` names the part.
    Format { input: String, why: String },
}

impl ReferenceError {
    /// The input that was refused.
    pub fn input(&self) -> &str {
        match self {
            ReferenceError::Empty => "",
            ReferenceError::Uppercase(input) | ReferenceError::TooLong(input) => input,
            ReferenceError::Digest { input, .. } | ReferenceError::Format { input, .. } => input,
        }
    }

    fn format(input: &str, why: impl Into<String>) -> ReferenceError {
        ReferenceError::Format {
            input: input.to_string(),
            why: why.into(),
        }
    }
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid reference format \"{}\": ", self.input())?;
        match self {
            ReferenceError::Empty => {
                f.write_str("repository name must have at least one component")
            }
            ReferenceError::Uppercase(_) => f.write_str("repository name must be lowercase"),
            ReferenceError::TooLong(_) => write!(
                f,
                "repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters"
            ),
            ReferenceError::Digest { why, .. } | ReferenceError::Format { why, .. } => {
                f.write_str(why)
            }
        }
    }
}

impl std::error::Error for ReferenceError {}

/// True for 3 to 64 lowercase hex characters: what may be an image or
/// container id (or a prefix of one). Callers try ids before names, as
/// Docker and Podman do, so `abc123` finds an image by id first.
/// Whether the first component of a reference names a registry (it has
/// a `.` or a `:`, or is `localhost`, and a `/` follows it), as Docker
/// decides.
pub fn has_domain(s: &str) -> bool {
    match s.split_once('/') {
        Some((first, _)) => first.contains('.') || first.contains(':') || first == LOCAL_REGISTRY,
        None => false,
    }
}

pub fn looks_like_id_prefix(s: &str) -> bool {
    (3..=64).contains(&s.len()) && s.bytes().all(is_lower_hex)
}

fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

fn parse_with(s: &str, default_registry: &str) -> Result<Reference, ReferenceError> {
    if s.is_empty() {
        return Err(ReferenceError::Empty);
    }
    // A full image id is never a name (ParseNormalizedNamed refuses it), so
    // that `rmi <id>` can never be taken for `docker.io/library/<id>`.
    if s.len() == 64 && s.bytes().all(is_lower_hex) {
        return Err(ReferenceError::format(
            s,
            "cannot specify 64-byte hexadecimal strings",
        ));
    }

    let (name_and_tag, digest) = match s.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (s, None),
    };

    // splitDockerDomain: the first component is a domain only if it
    // contains '.' or ':' or is "localhost"; "foo/bar" is on Docker Hub.
    let (mut registry, rest) = match name_and_tag.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => (first, rest),
        _ => (default_registry, name_and_tag),
    };
    if registry == LEGACY_DEFAULT_REGISTRY {
        registry = DEFAULT_REGISTRY;
    }
    // With the domain split off, the first ':' can only start the tag.
    let (path, tag) = match rest.split_once(':') {
        Some((p, t)) => (p, Some(t)),
        None => (rest, None),
    };
    let repository = if registry == DEFAULT_REGISTRY && !path.contains('/') {
        format!("{OFFICIAL_PREFIX}{path}")
    } else {
        path.to_string()
    };

    if repository.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(ReferenceError::Uppercase(s.to_string()));
    }
    for component in repository.split('/') {
        if component.is_empty() {
            return Err(ReferenceError::format(s, "empty repository path component"));
        }
        if !is_path_component(component) {
            return Err(ReferenceError::format(
                s,
                format!("invalid repository path component \"{component}\""),
            ));
        }
    }
    if !is_domain(registry) {
        return Err(ReferenceError::format(
            s,
            format!("invalid registry \"{registry}\""),
        ));
    }
    if let Some(tag) = tag {
        if !is_tag(tag) {
            return Err(ReferenceError::format(s, format!("invalid tag \"{tag}\"")));
        }
    }
    if let Some(digest) = digest {
        check_digest(s, digest)?;
    }
    if registry.len() + 1 + repository.len() > NAME_TOTAL_LENGTH_MAX {
        return Err(ReferenceError::TooLong(s.to_string()));
    }

    let tag = match (tag, digest) {
        (None, None) => Some(DEFAULT_TAG.to_string()),
        (t, _) => t.map(str::to_string),
    };
    Ok(Reference {
        registry: registry.to_string(),
        repository,
        tag,
        digest: digest.map(str::to_string),
    })
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*`: alphanumeric runs joined by
/// one '.', one or two '_', or any number of '-'.
fn is_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = matches!(sep, "." | "_" | "__") || sep.bytes().all(|x| x == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// `host[:port]` where host is a dotted name of `[a-zA-Z0-9-]` labels
/// (not starting or ending in '-'), an IPv4 address, or `[ipv6]`.
fn is_domain(d: &str) -> bool {
    let (host, port) = if let Some(after) = d.strip_prefix('[') {
        let Some((inner, rest)) = after.split_once(']') else {
            return false;
        };
        if inner.is_empty() || !inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return false;
        }
        match rest {
            "" => return true,
            _ => match rest.strip_prefix(':') {
                Some(port) => ("ipv6", Some(port)),
                None => return false,
            },
        }
    } else {
        match d.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (d, None),
        }
    };
    if let Some(port) = port {
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    !host.is_empty()
        && host.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter().all(|&x| x.is_ascii_alphanumeric() || x == b'-')
        })
}

/// `[\w][\w.-]{0,127}`
fn is_tag(t: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let b = t.as_bytes();
    !b.is_empty()
        && b.len() <= TAG_LENGTH_MAX
        && word(b[0])
        && b.iter().all(|&x| word(x) || x == b'.' || x == b'-')
}

/// Only sha256 is accepted, with the 64 lowercase hex digits that
/// go-digest's `Validate` demands; other well-formed algorithms are named
/// as unsupported.
fn check_digest(input: &str, digest: &str) -> Result<(), ReferenceError> {
    let err = |why: String| ReferenceError::Digest {
        input: input.to_string(),
        why,
    };
    match digest.split_once(':') {
        Some(("sha256", hex)) if hex.len() == 64 && hex.bytes().all(is_lower_hex) => Ok(()),
        Some(("sha256", _)) => Err(err(format!(
            "invalid digest \"{digest}\": want sha256 and 64 lowercase hex digits"
        ))),
        Some((alg, _))
            if !alg.is_empty()
                && alg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+._-".contains(&b)) =>
        {
            Err(err(format!("unsupported digest algorithm \"{alg}\"")))
        }
        _ => Err(err(format!(
            "invalid digest \"{digest}\": want sha256:<64 hex digits>"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn parts(s: &str) -> (String, String, Option<String>, Option<String>) {
        let r = Reference::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        (r.registry, r.repository, r.tag, r.digest)
    }

    fn p(
        reg: &str,
        repo: &str,
        tag: Option<&str>,
        dig: Option<&str>,
    ) -> (String, String, Option<String>, Option<String>) {
        (
            reg.into(),
            repo.into(),
            tag.map(Into::into),
            dig.map(Into::into),
        )
    }

    #[test]
    fn short_names_go_to_docker_hub_library() {
        assert_eq!(
            parts("alpine"),
            p("docker.io", "library/alpine", Some("latest"), None)
        );
        assert_eq!(
            parts("alpine:3.20"),
            p("docker.io", "library/alpine", Some("3.20"), None)
        );
        assert_eq!(
            parts("foo/bar"),
            p("docker.io", "foo/bar", Some("latest"), None)
        );
        assert_eq!(
            parts("docker.io/x"),
            p("docker.io", "library/x", Some("latest"), None)
        );
        assert_eq!(
            parts("docker.io/library/x"),
            p("docker.io", "library/x", Some("latest"), None)
        );
        assert_eq!(
            parts("index.docker.io/x:1"),
            p("docker.io", "library/x", Some("1"), None)
        );
        assert_eq!(
            parts("index.docker.io/a/b"),
            p("docker.io", "a/b", Some("latest"), None)
        );
    }

    #[test]
    fn domains_ports_and_localhost() {
        assert_eq!(
            parts("localhost/foo:bar"),
            p("localhost", "foo", Some("bar"), None)
        );
        assert_eq!(
            parts("localhost:5000/x"),
            p("localhost:5000", "x", Some("latest"), None)
        );
        assert_eq!(
            parts("127.0.0.1:5000/a/b:c"),
            p("127.0.0.1:5000", "a/b", Some("c"), None)
        );
        assert_eq!(
            parts("quay.io/podman/stable"),
            p("quay.io", "podman/stable", Some("latest"), None)
        );
        assert_eq!(
            parts("[::1]:5000/a"),
            p("[::1]:5000", "a", Some("latest"), None)
        );
        assert_eq!(
            parts("[fe80::1]/a"),
            p("[fe80::1]", "a", Some("latest"), None)
        );
        assert_eq!(
            parts("Example.COM/a"),
            p("Example.COM", "a", Some("latest"), None)
        );
        // A first component without '.' or ':' is a path, as in Docker.
        assert_eq!(
            parts("myhost/a"),
            p("docker.io", "myhost/a", Some("latest"), None)
        );
        // "localhost" alone is a repository name, and ":5000" its tag.
        assert_eq!(
            parts("localhost:5000"),
            p("docker.io", "library/localhost", Some("5000"), None)
        );
    }

    #[test]
    fn digests_with_and_without_tags() {
        let d = format!("sha256:{HEX}");
        assert_eq!(
            parts(&format!("x@{d}")),
            p("docker.io", "library/x", None, Some(&d))
        );
        assert_eq!(
            parts(&format!("x:1@{d}")),
            p("docker.io", "library/x", Some("1"), Some(&d))
        );
        assert_eq!(
            parts(&format!("localhost:5000/x@{d}")),
            p("localhost:5000", "x", None, Some(&d))
        );
    }

    #[test]
    fn path_and_tag_grammar() {
        for ok in [
            "a.b",
            "a_b",
            "a__b",
            "a-b",
            "a---b",
            "a0/b1/c2",
            "x:Tag_1.2-3",
            "x:_",
            "a.b-c_d__e",
        ] {
            assert!(Reference::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "a..b", "a___b", "-a", "a-", "a.", "_a", "a/.b", "x:-tag", "x:.t", "x:t/a", "a b", "a$",
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
        assert!(Reference::parse(&format!("x:{}", "t".repeat(128))).is_ok());
        assert!(Reference::parse(&format!("x:{}", "t".repeat(129))).is_err());
    }

    #[test]
    fn invalid_references_are_refused_with_the_input_quoted() {
        let cases = [
            ("", "repository name must have at least one component"),
            (":tag", "empty repository path component"),
            ("a//b", "empty repository path component"),
            ("a:b:c", "invalid tag \"b:c\""),
            ("UPPER", "repository name must be lowercase"),
            ("Foo:bar", "repository name must be lowercase"),
            ("foo/Bar", "repository name must be lowercase"),
            ("a@sha256:short", "invalid digest \"sha256:short\""),
            ("a@sha512:abcd", "unsupported digest algorithm \"sha512\""),
            ("a@nodigest", "invalid digest \"nodigest\""),
            ("a@b@c", "invalid digest \"b@c\""),
            ("host:port/a", "invalid registry \"host:port\""),
            ("-bad.io/a", "invalid registry \"-bad.io\""),
            ("a.io:/x", "invalid registry \"a.io:\""),
            ("[zz]:5000/a", "invalid registry \"[zz]:5000\""),
            ("[zz]/a", "invalid repository path component \"[zz]\""),
            ("a:", "invalid tag \"\""),
            (HEX, "cannot specify 64-byte hexadecimal strings"),
        ];
        for (input, why) in cases {
            let e = Reference::parse(input).expect_err(input);
            assert_eq!(e.input(), input);
            let want = format!("invalid reference format \"{input}\": {why}");
            assert!(e.to_string().starts_with(&want), "{input}: {e}");
        }
        let upper_hex = format!("a@sha256:{}", HEX.to_uppercase());
        assert!(matches!(
            Reference::parse(&upper_hex),
            Err(ReferenceError::Digest { .. })
        ));
        assert!(matches!(
            Reference::parse("UPPER"),
            Err(ReferenceError::Uppercase(_))
        ));
    }

    #[test]
    fn names_longer_than_255_are_refused() {
        // "docker.io/library/" is 18 characters of the 255.
        let ok = "a".repeat(255 - 18);
        assert!(Reference::parse(&ok).is_ok());
        let long = "a".repeat(255 - 17);
        assert!(matches!(
            Reference::parse(&long),
            Err(ReferenceError::TooLong(_))
        ));
    }

    #[test]
    fn display_name_and_familiar() {
        let r = Reference::parse("alpine").unwrap();
        assert_eq!(r.to_string(), "docker.io/library/alpine:latest");
        assert_eq!(r.name(), "docker.io/library/alpine");
        assert_eq!(r.familiar(), "alpine:latest");

        let d = format!("sha256:{HEX}");
        let r = Reference::parse(&format!("foo/bar:1@{d}")).unwrap();
        assert_eq!(r.to_string(), format!("docker.io/foo/bar:1@{d}"));
        assert_eq!(r.familiar(), format!("foo/bar:1@{d}"));

        let r = Reference::parse("docker.io/library/a/b").unwrap();
        assert_eq!(r.familiar(), "library/a/b:latest");
        let r = Reference::parse("quay.io/x/y:2").unwrap();
        assert_eq!(r.familiar(), "quay.io/x/y:2");
        // Display output parses back to the same reference.
        for s in [
            "alpine",
            "localhost:5000/a/b:c",
            "[::1]:5000/a",
            &format!("x:1@{d}"),
        ] {
            let r = Reference::parse(s).unwrap();
            assert_eq!(Reference::parse(&r.to_string()).unwrap(), r);
            assert_eq!(Reference::parse(&r.familiar()).unwrap(), r);
        }
    }

    #[test]
    fn local_names_stay_local() {
        let r = Reference::parse_local("localhost/foo:bar").unwrap();
        assert_eq!(r.to_string(), "localhost/foo:bar");
        assert_eq!(
            Reference::parse_local("foo").unwrap().to_string(),
            "localhost/foo:latest"
        );
        assert_eq!(
            Reference::parse_local("foo/bar:1").unwrap().to_string(),
            "localhost/foo/bar:1"
        );
        assert_eq!(
            Reference::parse_local("docker.io/foo").unwrap().to_string(),
            "docker.io/library/foo:latest"
        );
        assert_eq!(
            Reference::parse_local("quay.io/a/b").unwrap().to_string(),
            "quay.io/a/b:latest"
        );
        assert!(Reference::parse_local("Foo").is_err());
    }

    #[test]
    fn serde_round_trip_is_the_display_form() {
        let r = Reference::parse("alpine:3").unwrap();
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, "\"docker.io/library/alpine:3\"");
        assert_eq!(serde_json::from_str::<Reference>(&json).unwrap(), r);
        assert!(serde_json::from_str::<Reference>("\"A\"").is_err());
    }

    #[test]
    fn id_prefixes() {
        assert!(looks_like_id_prefix("abc"));
        assert!(looks_like_id_prefix("0123456789ab"));
        assert!(looks_like_id_prefix(HEX));
        assert!(!looks_like_id_prefix("ab"));
        assert!(!looks_like_id_prefix(&format!("{HEX}0")));
        assert!(!looks_like_id_prefix("ABC"));
        assert!(!looks_like_id_prefix("abg"));
        assert!(!looks_like_id_prefix("alpine"));
        assert!(!looks_like_id_prefix(""));
    }

    #[test]
    fn never_panics_on_odd_input() {
        for s in [
            "@",
            "/",
            ":",
            "[",
            "[]",
            "[:",
            "a@",
            "@sha256:",
            "é",
            "a/é",
            "a:é",
            "::",
            "//",
            "a@:",
            "[::1",
            "x/[::1]/y",
        ] {
            let _ = Reference::parse(s);
            let _ = Reference::parse_local(s);
        }
    }
}
