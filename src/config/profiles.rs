//! Named profiles in `config.toml` under the config dir (`$TILL_CONFIG_DIR` overrides it, as
//! for presets). A profile says which provider and account to talk to and in which mode; it
//! never holds a key (keys live in the OS keyring or `TILL_<PROFILE>_KEY`, see `secrets`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::billing::ProviderKind;

/// Test or live: what the profile's account is, shown as the console's mode badge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ProfileMode {
    #[default]
    Test,
    Live,
}

impl ProfileMode {
    pub fn label(self) -> &'static str {
        match self {
            ProfileMode::Test => "test",
            ProfileMode::Live => "live",
        }
    }
}

impl std::str::FromStr for ProfileMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "test" => Ok(ProfileMode::Test),
            "live" => Ok(ProfileMode::Live),
            other => Err(format!("{other:?} is not a mode (test or live)")),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub provider: ProviderKind,
    #[serde(default)]
    pub mode: ProfileMode,
    /// Overrides the provider's production base URL.
    #[serde(default, deserialize_with = "checked_url", skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Kelviq's edge host for entitlements.
    #[serde(default, deserialize_with = "checked_url", skip_serializing_if = "Option::is_none")]
    pub edge_url: Option<String>,
    /// KuvarPay business id or Zenskar organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(default)]
    pub read_only: bool,
    /// Requests per second this account may take (else 10 for a provider's own host,
    /// unlimited for a loopback one); a 429 still slows it down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<Rate>,
    /// Requests that may go at once after a quiet spell (else twice the rate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst: Option<std::num::NonZeroU32>,
}

/// A URL in the file is held to what `profiles add` would take ([`super::urls::check`]): the
/// file is edited by hand too. Refused here, the error names the file, line and field.
fn checked_url<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let value = Option::<String>::deserialize(d)?;
    if let Some(v) = &value
        && let Err(reason) = super::urls::check(v)
    {
        return Err(serde::de::Error::custom(format!("not a valid URL: {} ({reason})", super::urls::shown(v))));
    }
    Ok(value)
}

/// Requests per second: more than zero, at most 10,000.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Rate(f64);

impl Rate {
    pub fn per_second(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Rate {
    type Error = String;
    fn try_from(n: f64) -> Result<Rate, String> {
        if n.is_finite() && n > 0.0 && n <= 10_000.0 {
            Ok(Rate(n))
        } else {
            Err(format!("{n} is not a rate: requests per second, more than 0 and at most 10000"))
        }
    }
}

impl From<Rate> for f64 {
    fn from(r: Rate) -> f64 {
        r.0
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// `mouse = false` at the top of the file: the console leaves the mouse to the terminal
    /// (text selection works). Unset means on. First, because TOML puts plain keys before tables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mouse: Option<bool>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ProfileError {
    #[error("{path}:{line}: {field}: {message}")]
    Malformed { path: String, line: usize, field: String, message: String },
    /// The README's exit codes make a malformed config.toml a usage error (2): a file that is
    /// not UTF-8 is malformed too, not a failure to read (it was read as an I/O error, exit 1,
    /// naming no position).
    #[error("{path}:{line}: not UTF-8 text: byte {offset} is 0x{byte:02X} (save config.toml as UTF-8)")]
    NotUtf8 { path: String, line: usize, offset: usize, byte: u8 },
    #[error("cannot {action} {path}: {reason}")]
    Io { action: &'static str, path: String, reason: String },
    #[error("no profile named {name:?} in {path} (see `till profiles list`)")]
    Unknown { name: String, path: String },
    #[error("{0}")]
    Invalid(String),
}

/// `$TILL_CONFIG_DIR/config.toml`, else `config.toml` in the XDG config dir.
pub fn config_path() -> Option<PathBuf> {
    crate::util::config_dir().map(|d| d.join("config.toml"))
}

/// Profile names become parts of environment variable names and keyring entries: keep them plain.
pub fn validate_name(name: &str) -> Result<(), ProfileError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    if ok {
        Ok(())
    } else {
        Err(ProfileError::Invalid(format!(
            "profile name {name:?} must be 1-64 characters of letters, digits, '-', '_' or '.'"
        )))
    }
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Parses config text; errors name the file, the line and the field (dotted path).
pub fn parse(text: &str, path: &Path) -> Result<ConfigFile, ProfileError> {
    let malformed = |e: &toml::de::Error, field: String| ProfileError::Malformed {
        path: path.display().to_string(),
        line: e.span().map_or(1, |s| line_of(text, s.start)),
        field,
        message: e.message().trim().to_string(),
    };
    let de = toml::Deserializer::parse(text).map_err(|e| malformed(&e, "(syntax)".into()))?;
    let file: ConfigFile = serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        malformed(e.inner(), if field == "." { "(top level)".into() } else { field })
    })?;
    for name in file.profiles.keys() {
        validate_name(name).map_err(|e| ProfileError::Malformed {
            path: path.display().to_string(),
            line: text.find(name.as_str()).map_or(1, |i| line_of(text, i)),
            field: format!("profiles.{name}"),
            message: e.to_string(),
        })?;
    }
    Ok(file)
}

/// A missing file is an empty config.
pub fn load(path: &Path) -> Result<ConfigFile, ProfileError> {
    match std::fs::read(path) {
        Ok(bytes) => parse(utf8(&bytes, path)?, path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile::default()),
        Err(e) => Err(ProfileError::Io { action: "read", path: path.display().to_string(), reason: e.to_string() }),
    }
}

/// The file's text, or where it stops being UTF-8 (byte offset from 0, and its line).
fn utf8<'a>(bytes: &'a [u8], path: &Path) -> Result<&'a str, ProfileError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        ProfileError::NotUtf8 {
            path: path.display().to_string(),
            line: memchr::memchr_iter(b'\n', &bytes[..offset]).count() + 1,
            offset,
            byte: bytes.get(offset).copied().unwrap_or_default(),
        }
    })
}

/// Replaces the file atomically (a full disk leaves the old config, never half of it), 0600
/// in a 0700 directory.
pub fn save(path: &Path, file: &ConfigFile) -> Result<(), ProfileError> {
    let text = toml::to_string_pretty(file).map_err(|e| ProfileError::Invalid(format!("cannot encode config: {e}")))?;
    crate::util::files::write_atomic(path, text.as_bytes()).map_err(|e| ProfileError::Io {
        action: e.action,
        path: e.path.display().to_string(),
        reason: e.source.to_string(),
    })
}

impl ConfigFile {
    /// Whether the console captures the mouse: on unless `mouse = false`.
    pub fn mouse(&self) -> bool {
        self.mouse.unwrap_or(true)
    }

    pub fn get(&self, name: &str, path: &Path) -> Result<&Profile, ProfileError> {
        self.profiles
            .get(name)
            .ok_or_else(|| ProfileError::Unknown { name: name.to_string(), path: path.display().to_string() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<ConfigFile, ProfileError> {
        parse(text, Path::new("/cfg/config.toml"))
    }

    #[test]
    fn profiles_parse_with_defaults() {
        let file = parse_str(
            "[profiles.acme]\nprovider = \"zenskar\"\nmode = \"live\"\naccount = \"org_1\"\nread_only = true\n\n\
             [profiles.dev]\nprovider = \"kelviq\"\nbase_url = \"http://127.0.0.1:4010/kelviq/api/v1\"\n",
        )
        .unwrap();
        let acme = &file.profiles["acme"];
        assert_eq!((acme.provider, acme.mode, acme.read_only), (ProviderKind::Zenskar, ProfileMode::Live, true));
        assert_eq!(acme.account.as_deref(), Some("org_1"));
        let limited =
            parse("[profiles.p]\nprovider = \"kelviq\"\nrate_limit = 2.5\nburst = 4\n", Path::new("c.toml")).unwrap();
        let p = &limited.profiles["p"];
        assert_eq!((p.rate_limit.map(Rate::per_second), p.burst.map(|b| b.get())), (Some(2.5), Some(4)));
        for (bad, field) in
            [("rate_limit = 0", "rate_limit"), ("rate_limit = -3", "rate_limit"), ("burst = 0", "burst")]
        {
            let text = format!("[profiles.p]\nprovider = \"kelviq\"\n{bad}\n");
            let e = parse(&text, Path::new("c.toml")).unwrap_err().to_string();
            assert!(e.starts_with(&format!("c.toml:3: profiles.p.{field}: ")), "{e}");
        }
        let dev = &file.profiles["dev"];
        assert_eq!((dev.mode, dev.read_only, dev.edge_url.as_deref()), (ProfileMode::Test, false, None));
    }

    #[test]
    fn a_file_that_is_not_utf8_names_the_byte_and_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, b"\xff\xfe").unwrap();
        let e = load(&path).unwrap_err();
        let shown = path.display();
        assert_eq!(e.to_string(), format!("{shown}:1: not UTF-8 text: byte 0 is 0xFF (save config.toml as UTF-8)"));
        std::fs::write(&path, b"[profiles.a]\nprovider = \"kelviq\"\naccount = \"caf\xe9\"\n").unwrap();
        let e = load(&path).unwrap_err();
        assert_eq!(e.to_string(), format!("{shown}:3: not UTF-8 text: byte 47 is 0xE9 (save config.toml as UTF-8)"));
    }

    #[test]
    fn unknown_key_names_file_line_and_field() {
        let err = parse_str("[profiles.acme]\nprovider = \"kelviq\"\n\nbase_ur = \"http://x\"\n").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("/cfg/config.toml:4: profiles.acme.base_ur: "), "{text}");
        assert!(text.contains("unknown field `base_ur`"), "{text}");
        let err = parse_str("colour = \"red\"\n").unwrap_err().to_string();
        assert!(err.starts_with("/cfg/config.toml:1:") && err.contains("colour"), "{err}");
    }

    #[test]
    fn wrong_values_name_the_field() {
        let err = parse_str("[profiles.acme]\nprovider = \"kelviq\"\nmode = \"prod\"\n").unwrap_err().to_string();
        assert!(err.starts_with("/cfg/config.toml:3: profiles.acme.mode: "), "{err}");
        let err = parse_str("[profiles.acme]\nprovider = \"kelviq\"\nread_only = \"yes\"\n").unwrap_err().to_string();
        assert!(err.starts_with("/cfg/config.toml:3: profiles.acme.read_only: "), "{err}");
        let err = parse_str("[profiles.acme]\nmode = \"test\"\n").unwrap_err().to_string();
        assert!(err.contains("profiles.acme") && err.contains("provider"), "{err}");
        let err = parse_str("[profiles.acme\nprovider = 1\n").unwrap_err().to_string();
        assert!(err.starts_with("/cfg/config.toml:1: (syntax): "), "{err}");
        let err = parse_str("[profiles.\"a b\"]\nprovider = \"kelviq\"\n").unwrap_err().to_string();
        assert!(err.contains("must be 1-64 characters"), "{err}");
    }

    /// `profiles add` refuses these URLs, but the same text typed into config.toml was taken:
    /// credentials sat in the file, a bidi override went into every request line. Now the file
    /// is refused, naming its line, as for any other bad value.
    #[test]
    fn a_url_profiles_add_refuses_is_refused_in_the_file_naming_its_line() {
        for (url, why) in [
            ("javascript:alert(1)", "only http and https are supported"),
            ("http://user:s3cretpw@x.example/", "it holds a user name or password"),
            ("https://x.example/a\\u202eb", "it holds a control character or whitespace"),
        ] {
            for field in ["base_url", "edge_url"] {
                let text = format!("[profiles.acme]\nprovider = \"kelviq\"\n\n{field} = \"{url}\"\n");
                let e = parse_str(&text).unwrap_err().to_string();
                assert!(e.starts_with(&format!("/cfg/config.toml:4: profiles.acme.{field}: not a valid URL: ")), "{e}");
                assert!(e.contains(why) && !e.contains("s3cretpw") && !e.contains('\u{202e}'), "{e}");
            }
        }
        let sandbox = "[profiles.dev]\nprovider = \"kelviq\"\nbase_url = \"http://127.0.0.1:4010/kelviq/api/v1\"\n";
        assert!(parse_str(sandbox).is_ok());
    }

    #[test]
    fn save_then_load_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/config.toml");
        assert_eq!(load(&path).unwrap(), ConfigFile::default());
        let mut file = ConfigFile::default();
        file.profiles.insert(
            "k".into(),
            Profile {
                provider: ProviderKind::KuvarPay,
                mode: ProfileMode::Live,
                base_url: None,
                edge_url: None,
                account: Some("biz_9".into()),
                read_only: false,
                rate_limit: Some(Rate(2.0)),
                burst: None,
            },
        );
        save(&path, &file).unwrap();
        assert_eq!(load(&path).unwrap(), file);
        assert!(matches!(file.get("nope", &path), Err(ProfileError::Unknown { .. })));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
            assert_eq!(std::fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
        }
    }

    #[test]
    fn mouse_is_on_unless_the_file_says_false_and_survives_a_save() {
        assert!(parse_str("").unwrap().mouse());
        assert!(parse_str("mouse = true\n").unwrap().mouse());
        let off = parse_str("mouse = false\n\n[profiles.acme]\nprovider = \"kelviq\"\n").unwrap();
        assert!(!off.mouse());
        let err = parse_str("mouse = \"no\"\n").unwrap_err().to_string();
        assert!(err.starts_with("/cfg/config.toml:1: mouse: "), "{err}");
        // A profile command loads and saves the file: the setting must come back, before the tables.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        save(&path, &off).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("mouse = false"), "{text}");
        assert_eq!(load(&path).unwrap(), off);
    }

    #[cfg(unix)]
    fn profiles(n: usize) -> ConfigFile {
        let mut file = ConfigFile::default();
        for i in 0..n {
            let profile = Profile {
                provider: ProviderKind::Zenskar,
                mode: ProfileMode::Test,
                base_url: Some(format!("https://billing-{i}.example.com/api/v1")),
                edge_url: None,
                account: Some(format!("org_{i:040}")),
                read_only: false,
                rate_limit: None,
                burst: None,
            };
            file.profiles.insert(format!("profile-{i}"), profile);
        }
        file
    }

    /// A full disk used to leave config.toml cut off, and every profile command failed.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_save_on_a_full_disk_keeps_the_old_config_loadable() {
        let Some(disk) = crate::util::files::FullDisk::mount() else { return };
        let path = disk.dir.path().join("config.toml");
        let old = profiles(10);
        save(&path, &old).unwrap();
        disk.fill();
        let err = save(&path, &profiles(60)).unwrap_err().to_string();
        assert!(err.contains("No space left on device") && err.contains("config.toml"), "{err}");
        assert_eq!(load(&path).unwrap(), old);
    }

    #[cfg(unix)]
    #[test]
    fn a_save_replaces_a_symlink_instead_of_writing_through_it() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, "keep me").unwrap();
        let path = dir.path().join("config.toml");
        std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
        save(&path, &profiles(1)).unwrap();
        assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "keep me");
        assert_eq!(load(&path).unwrap(), profiles(1));
    }
}
