//! API keys in memory: never shown by `Debug`, and knowing which variable they came from.

/// A secret value (API key). Its `Debug` never shows the value, so it cannot leak through
/// `{:?}` in a log line or a panic message. It knows the environment variable a user sets it
/// from (`TILL_<PROFILE>_KEY`), so a curl export reads the same key, not another account's.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    value: String,
    env_var: Option<String>,
}

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret { value: value.into(), env_var: None }
    }

    /// Names the variable this key is set from, for curl exports.
    pub fn with_env_var(mut self, var: impl Into<String>) -> Secret {
        self.env_var = Some(var.into());
        self
    }

    /// The only way to read the value; call sites are easy to audit.
    pub fn expose(&self) -> &str {
        &self.value
    }

    pub fn env_var(&self) -> Option<&str> {
        self.env_var.as_deref()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}
