//! The presets of the store's jobs, each kept once: a job names its presets
//! by key (the preset's name, `name#2` for a second, different preset of
//! the same name) instead of repeating them, so a thousand jobs with the
//! same preset cost one copy on disk.

use std::collections::{BTreeMap, HashMap};

use crate::presets::Preset;

/// A preset's key in the table.
pub type PresetKey = String;

#[derive(Clone, Debug, Default)]
pub struct PresetTable {
    by_key: BTreeMap<PresetKey, Preset>,
    /// A preset's JSON -> its key, to find a preset already in the table.
    by_content: HashMap<String, PresetKey>,
}

impl PresetTable {
    pub fn get(&self, key: &str) -> Option<&Preset> {
        self.by_key.get(key)
    }

    pub fn entries(&self) -> &BTreeMap<PresetKey, Preset> {
        &self.by_key
    }

    /// Puts `preset` in the table under `key` (as read from the store).
    pub fn insert(&mut self, key: PresetKey, preset: Preset) {
        if let Ok(json) = serde_json::to_string(&preset) {
            self.by_content.insert(json, key.clone());
        }
        self.by_key.insert(key, preset);
    }

    /// The key of `preset`, and whether it is new to the table (then it was
    /// added and must be written along with the job that names it).
    pub fn intern(&mut self, preset: &Preset) -> (PresetKey, bool) {
        let json = serde_json::to_string(preset).unwrap_or_default();
        if let Some(key) = self.by_content.get(&json) {
            return (key.clone(), false);
        }
        let key = (1..)
            .map(|n| match n {
                1 => preset.name.clone(),
                n => format!("{}#{n}", preset.name),
            })
            .find(|k| !self.by_key.contains_key(k))
            .unwrap_or_default();
        self.by_content.insert(json, key.clone());
        self.by_key.insert(key.clone(), preset.clone());
        (key, true)
    }

    /// Takes `key` out of the table.
    pub fn forget(&mut self, key: &str) {
        self.by_key.remove(key);
        self.by_content.retain(|_, k| k != key);
    }

    /// Keeps only the presets named in `used`.
    pub fn retain_used<'a>(&mut self, used: impl Iterator<Item = &'a PresetKey>) {
        let used: std::collections::HashSet<&PresetKey> = used.collect();
        self.by_key.retain(|k, _| used.contains(k));
        self.by_content.retain(|_, k| used.contains(k));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_presets_share_a_key_and_a_different_one_of_the_same_name_gets_its_own() {
        let web = crate::presets::find_preset("web").expect("built-in web");
        let mut table = PresetTable::default();
        assert_eq!(table.intern(&web), ("web".to_owned(), true));
        assert_eq!(table.intern(&web.clone()), ("web".to_owned(), false));
        let mut edited = web.clone();
        edited.description.push_str(" (edited)");
        assert_eq!(table.intern(&edited), ("web#2".to_owned(), true));
        table.retain_used([&"web#2".to_owned()].into_iter());
        assert!(table.get("web").is_none());
        assert_eq!(table.get("web#2"), Some(&edited));
        assert_eq!(table.intern(&web), ("web".to_owned(), true));
    }
}
