//! Named checkout presets: a form saved as a template, in `presets.toml` under the config dir
//! (`$TILL_CONFIG_DIR` overrides it, for tests and portable setups).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::CheckoutBuilder;
use super::fields::{FieldId, Input};
use crate::billing::ProviderKind;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct PresetFile {
    #[serde(default, rename = "preset")]
    pub presets: Vec<Preset>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Preset {
    pub name: String,
    pub provider: ProviderKind,
    /// Field key → value as the form holds it (list editors as `key=value[=off];…`).
    pub fields: BTreeMap<String, String>,
}

pub fn path() -> Option<PathBuf> {
    crate::util::config_dir().map(|d| d.join("presets.toml"))
}

/// Reads the file; a missing file is an empty one, a malformed one an error naming it.
pub fn load(path: &Path) -> Result<PresetFile, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(PresetFile::default()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Adds or replaces the preset of that name for that provider.
pub fn save(path: &Path, preset: Preset) -> Result<(), String> {
    let mut file = load(path)?;
    file.presets.retain(|p| !(p.name == preset.name && p.provider == preset.provider));
    file.presets.push(preset);
    let text = toml::to_string_pretty(&file).map_err(|e| format!("cannot encode presets: {e}"))?;
    // Atomic: a full disk leaves the old presets, never half of them; 0600 in a 0700 dir.
    crate::util::files::write_atomic(path, text.as_bytes()).map_err(String::from)
}

/// Fields that name the customer: never saved in, nor loaded from, a preset.
const CUSTOMER_FIELDS: [FieldId; 4] =
    [FieldId::Customer, FieldId::CustomerEmail, FieldId::FirstName, FieldId::LastName];

impl CheckoutBuilder {
    pub fn to_preset(&self, name: &str) -> Preset {
        // Who the checkout is for is never part of a template.
        let fields = self
            .fields
            .iter()
            .filter(|f| !CUSTOMER_FIELDS.contains(&f.id))
            .map(|f| {
                let value = if matches!(f.input, Input::Rows { .. }) { self.rows_text(f.id) } else { self.value(f.id) };
                (f.id.key().to_string(), value)
            })
            .collect();
        Preset { name: name.trim().to_string(), provider: self.provider, fields }
    }

    pub fn apply_preset(&mut self, preset: &Preset) {
        // Hidden fields too: the preset's checkout type may be one that shows them.
        let ids: Vec<FieldId> = self.all_ids();
        // The plan first, so the periods it offers exist when the period is set.
        let mut ordered = ids.clone();
        ordered.sort_by_key(|id| *id != FieldId::Plan);
        for id in ordered.into_iter().filter(|id| !CUSTOMER_FIELDS.contains(id)) {
            if let Some(value) = preset.fields.get(id.key()) {
                self.set_value(id, value);
                if id == FieldId::Plan {
                    self.refresh_dependent();
                }
            }
        }
    }
}

// Its one test needs symlinks and file modes.
#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// `std::fs::write` wrote through a symlink and truncated in place; a save now replaces
    /// the file atomically, owner-only.
    #[test]
    fn save_is_atomic_owner_only_and_never_writes_through_a_symlink() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, "# keep me\n").unwrap();
        let path = dir.path().join("till/presets.toml");
        std::fs::create_dir(dir.path().join("till")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
        let preset = Preset { name: "p".into(), provider: ProviderKind::Kelviq, fields: BTreeMap::new() };
        save(&path, preset.clone()).unwrap();
        assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "# keep me\n");
        assert_eq!(load(&path).unwrap().presets, vec![preset]);
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
    }
}
